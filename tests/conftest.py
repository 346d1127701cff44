"""Shared fixtures.

Most tests need no data: they build small arrays and CSVs (see `who_like_csv`). Tests about the real WHO
file ask for it through `data_path` (or `who_env`, which also sets $LIFEEXP_DATA for commands that read it),
which marks them `who`; tests against the NIST certified values ask for `nist_dir` (marked `nist`), so
`pytest -m "not who"` runs the tests that need no dataset. When a file is missing those tests are skipped,
and the run ends with one summary saying what did not run and how to get the data (instead of a SKIPPED
line per test); with CI=true a missing file fails the run.

The CLI runs in tests through tests/support/cli.py (`run_cli` in-process, `run_process` in a real
process): a traceback or an escaped exception fails the test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import lifeexp_cli  # noqa: F401  (first: it limits BLAS threads before numpy loads)
from lifeexp_cli.data import location

pytest.register_assert_rewrite("support")  # before a test imports it: its asserts report like a test's

ROOT = Path(__file__).resolve().parents[1]
NIST = (ROOT / "../shared/reference/nist-strd").resolve()

WHO_MISSING = "the WHO dataset is missing"
NIST_MISSING = "the NIST StRD reference data is missing"
HOW_TO_GET_WHO = (
    "Download 'Life Expectancy (WHO)' from Kaggle (kaggle.com/kumarajarshi/life-expectancy-who), then either\n"
    "  .venv/bin/lifeexp data install \"/path/to/Life Expectancy Data.csv\"   (once, for every command and test)\n"
    "  export LIFEEXP_DATA=\"/path/to/Life Expectancy Data.csv\"\n"
    "or put it at ../shared/data/life_expectancy_who.csv beside the repository.\n"
    "Only the tests that need no dataset: pytest -m \"not who\"."
)
HOW_TO_GET_NIST = (
    "The NIST Statistical Reference Datasets (itl.nist.gov/div898/strd, linear regression) are expected in\n"
    f"{NIST} with a certified.json describing them."
)


def who_data_places() -> list[Path]:
    """Where the WHO file is looked for, in order: $LIFEEXP_DATA alone if set (a missing path there means
    missing), else ../shared beside the repository, then the copy `lifeexp data install` put in the user
    data folder."""
    given = os.environ.get("LIFEEXP_DATA")
    if given:
        return [Path(given)]
    return [(ROOT / "../shared/data/life_expectancy_who.csv").resolve(), location.installed_path()]


# Found once, at start: every test then sees an empty user data folder (`no_user_folders`), where the
# installed copy can no longer be found. The first place that has the file, else the first place.
WHO_PLACES = who_data_places()
WHO_DATA = next((path for path in WHO_PLACES if path.is_file()), WHO_PLACES[0])


def who_data_or_skip() -> Path:
    """The WHO file, or a skip that the summary at the end counts (CI=true: a failure)."""
    if not WHO_DATA.is_file():
        pytest.skip(f"{WHO_MISSING} at {WHO_DATA}")
    return WHO_DATA


def nist_certified() -> dict:
    """The certified NIST problems by name, or {} in a clone without the reference data."""
    path = NIST / "certified.json"
    return json.loads(path.read_text())["datasets"] if path.is_file() else {}


def nist_names(*wanted: str) -> list[str]:
    """Names to parametrize NIST tests with; one placeholder when the data is missing, so the test
    is collected and reported as skipped instead of silently vanishing."""
    known = nist_certified()
    names = [n for n in wanted if n in known] if wanted else sorted(known)
    return names or ["nist-missing"]


@pytest.fixture(autouse=True)
def no_user_folders(tmp_path_factory, monkeypatch):
    """Every test sees an empty user data folder (no installed dataset) and no $LIFEEXP_MODELS: the
    developer's own installed copy and models never change a result, and no test writes to the real home."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    monkeypatch.delenv("LIFEEXP_MODELS", raising=False)


@pytest.fixture(autouse=True)
def no_terminal_width(monkeypatch):
    """No $COLUMNS or $LINES from the shell that runs the tests: with $COLUMNS, prose on stderr wraps at its
    width (cli/render.py), so a one-line message became two for a developer whose shell exports it. A test
    that wants a width sets it."""
    for name in ("COLUMNS", "LINES"):
        # Set, then deleted through os.environ, so that it is unset for child processes too: GNU readline,
        # loaded in the test process, sets both in the C environment (COLUMNS=80 when the tests run without
        # a terminal), where os.environ does not see them but a subprocess inherits them.
        monkeypatch.setenv(name, "80")
        monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def data_path() -> Path:
    return who_data_or_skip()


@pytest.fixture
def who_env(data_path, monkeypatch) -> Path:
    """For commands that find the data the way a user's shell gives it: through $LIFEEXP_DATA."""
    monkeypatch.setenv("LIFEEXP_DATA", str(data_path))
    return data_path


@pytest.fixture(scope="session")
def nist_dir() -> Path:
    if not nist_certified():
        pytest.skip(f"{NIST_MISSING} at {NIST}")
    return NIST


# --- a small WHO-like table with a known linear truth ---------------------------------------------

# Column headers as the WHO file publishes them (stray spaces and all), with the coefficient each
# feature has in the generated life expectancy (0 for features that carry nothing).
WHO_LIKE_TRUTH = {
    "Adult Mortality": -0.03, " BMI ": 0.05, " HIV/AIDS": -0.6, "GDP": 0.0001, "Schooling": 0.9,
    "Income composition of resources": 8.0, "Alcohol": 0.1, "infant deaths": 0.0, "under-five deaths ": 0.0,
    "Polio": 0.02, "Diphtheria ": 0.02, "Total expenditure": 0.1, " thinness  1-19 years": -0.1,
    " thinness 5-9 years": 0.0,
}
WHO_LIKE_INTERCEPT, WHO_LIKE_STATUS = 45.0, 3.0
WHO_LIKE_COUNTRIES, WHO_LIKE_YEARS = 25, 16


# The child of `signalled_slow_fit`: `python -c READY_WHEN_READING FD ARGS...` runs `python -m lifeexp_cli ARGS...`
# and writes to the pipe FD when the command opens its CSV (an audit hook: no hook in lifeexp itself). By then
# the command runs inside the error boundary with its SIGTERM handler installed: the work has begun.
READY_WHEN_READING = """\
import os, runpy, sys

ready = int(sys.argv.pop(1))


def opened(event, args):
    global ready
    if ready >= 0 and event == "open" and str(args[0]).endswith(".csv"):
        fd, ready = ready, -1
        os.write(fd, b"reading")
        os.close(fd)


sys.addaudithook(opened)
runpy.run_module("lifeexp_cli", run_name="__main__", alter_sys=True)
"""
READY_TIMEOUT = 120.0  # seconds for the child to start reading: generous, for a busy machine


def signalled_slow_fit(out: Path, signum: int, env: dict | None = None) -> tuple[int, str]:
    """(exit code, stderr) of a slow fit onto `out` (cross-validation on every feature) sent `signum` once it
    has started reading its data. The signal is back to its default in the child, as in a shell: a test
    runner may have changed it, and a shell that starts the tests as a background job ignores SIGINT, which
    the child would inherit (Python installs its Ctrl-C handler only when SIGINT is not ignored)."""
    import select
    import signal
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    args = ["fit", "-F", "all", "--split", "random", "--folds", "1000", "--out", str(out), "-q"]
    try:
        proc = subprocess.Popen([sys.executable, "-c", READY_WHEN_READING, str(write_end), *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                pass_fds=(write_end,), preexec_fn=lambda: signal.signal(signum, signal.SIG_DFL))
    finally:
        os.close(write_end)  # the child's copy alone: its exit ends the wait below
    try:
        waiting, _, _ = select.select([read_end], [], [], READY_TIMEOUT)
        said = os.read(read_end, 16) if waiting else b""
    finally:
        os.close(read_end)
    if said != b"reading":
        proc.kill()
        _, err = proc.communicate(timeout=60)
        pytest.fail(f"the fit never started reading its data (waited {READY_TIMEOUT:.0f} s; exit {proc.returncode}): "
                    f"{err}")
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.fail("the fit finished before the signal could stop it; make it slower")
    return proc.returncode, err


def who_like_rows(seed: int = 7):
    """(header, rows, y): 25 countries × 16 years, deterministic from the seed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = WHO_LIKE_COUNTRIES * WHO_LIKE_YEARS
    features = {
        "Adult Mortality": rng.uniform(50, 400, n), " BMI ": rng.uniform(15, 60, n),
        " HIV/AIDS": rng.exponential(1.5, n), "GDP": rng.lognormal(8, 1.2, n), "Schooling": rng.uniform(4, 18, n),
        "Income composition of resources": rng.uniform(0.3, 0.95, n), "Alcohol": rng.uniform(0, 12, n),
        "Polio": rng.uniform(40, 99, n), "Diphtheria ": rng.uniform(40, 99, n),
        "Total expenditure": rng.uniform(2, 12, n), " thinness  1-19 years": rng.uniform(0.5, 15, n),
    }
    features[" thinness 5-9 years"] = features[" thinness  1-19 years"] + rng.normal(0, 0.3, n)
    infant = rng.integers(0, 60, n).astype(float)
    features["infant deaths"] = infant
    features["under-five deaths "] = infant + rng.integers(0, 4, n)  # the WHO file's near-duplicate pair
    developed = rng.random(WHO_LIKE_COUNTRIES) < 0.3
    status = np.repeat(developed, WHO_LIKE_YEARS).astype(float)
    y = WHO_LIKE_INTERCEPT + WHO_LIKE_STATUS * status + rng.normal(0, 0.5, n)
    for name, weight in WHO_LIKE_TRUTH.items():
        y = y + weight * features[name]
    header = ["Country", "Year", "Status", "Life expectancy ", *WHO_LIKE_TRUTH]
    rows = []
    for i in range(n):
        country = i // WHO_LIKE_YEARS
        cells = [f"Country {country:02d}", str(2015 - i % WHO_LIKE_YEARS),
                 "Developed" if developed[country] else "Developing", f"{y[i]:.4f}"]
        cells += [f"{features[name][i]:.6g}" for name in WHO_LIKE_TRUTH]
        rows.append(cells)
    for i, column in ((3, 4), (40, 5), (41, 5), (77, 9), (150, 14), (151, 14), (290, 6)):  # a few blanks
        rows[i][column] = ""
    for i in (11, 222, 333):  # rows without a target, as in the WHO file
        rows[i][3] = ""
    return header, rows


@pytest.fixture(scope="session")
def who_like_csv(tmp_path_factory) -> Path:
    """A WHO-like CSV: published headers, text status, blanks, 3 rows without a target, 400 rows."""
    header, rows = who_like_rows()
    path = tmp_path_factory.mktemp("who-like") / "who_like.csv"
    path.write_text("\n".join(",".join(cells) for cells in [header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def who_like_table(who_like_csv):
    """The WHO-like CSV read as the commands read data files (canonical column names)."""
    from lifeexp_cli.data import dataset

    return dataset.read_table(str(who_like_csv))


# --- markers: what a test needs, apart from its scope (the unit/, cli/ and system/ folders) ----------

# A test that asks for one of these fixtures (directly or through another fixture) needs that data.
NEEDS = {"who": ("data_path", "who_env"), "nist": ("nist_dir",)}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker, fixtures in NEEDS.items():
            if any(name in item.fixturenames for name in fixtures):
                item.add_marker(marker)


# --- one summary when data is missing --------------------------------------------------------------

MISSING = {WHO_MISSING: 0, NIST_MISSING: 0}  # tests skipped for want of each file


def missing_data(report) -> str | None:
    """Which data a skipped test lacked (WHO_MISSING or NIST_MISSING), or None for any other skip."""
    if report.skipped and isinstance(report.longrepr, tuple):
        return next((what for what in MISSING if what in str(report.longrepr[2])), None)
    return None


def pytest_runtest_logreport(report):
    what = missing_data(report)
    if what:
        MISSING[what] += 1


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def pytest_sessionfinish(session, exitstatus):
    if in_ci() and any(MISSING.values()) and exitstatus == 0:
        session.exitstatus = 1  # CI must test everything: a missing file is a failure there


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The skips for want of data leave pytest's short summary (-ra would list each test's line: over a
    hundred for the WHO file) and come back for its count ("N skipped"); one summary of them comes last."""
    skipped = terminalreporter.stats.get("skipped", [])
    kept = [report for report in skipped if not missing_data(report)]
    if skipped:
        terminalreporter.stats["skipped"] = kept
    try:
        yield
    finally:
        if skipped:
            terminalreporter.stats["skipped"] = skipped
    if not any(MISSING.values()):
        return
    write = terminalreporter.write_sep
    verdict = "FAILED: CI=true needs every test to run" if in_ci() else "these tests did not run"
    write("!", f"test data missing — {verdict}", red=True, bold=True)
    if MISSING[WHO_MISSING]:
        looked = " nor ".join(str(path) for path in WHO_PLACES)
        terminalreporter.write_line(f"{MISSING[WHO_MISSING]} tests were skipped because {WHO_MISSING} "
                                    f"(not at {looked}).", red=True, bold=True)
        terminalreporter.write_line(HOW_TO_GET_WHO)
    if MISSING[NIST_MISSING]:
        terminalreporter.write_line(f"{MISSING[NIST_MISSING]} tests were skipped because {NIST_MISSING}.",
                                    red=True, bold=True)
        terminalreporter.write_line(HOW_TO_GET_NIST)
    write("!", red=True, bold=True)


def shipped_comparison():
    """The four shipped models (tim-bmi, tom-gdp, tim, tom) compared for the lecture's Tim and Tom at 90%: the
    facts compare's verdict is worded from (evaluate/comparison.py Comparison)."""
    from lifeexp_cli.data import people
    from lifeexp_cli.evaluate import comparison
    from lifeexp_cli.model import store
    from lifeexp_cli.model.predict import prediction

    names = ["tim-bmi", "tom-gdp", "tim", "tom"]
    records = [store.load_record(name) for name in names]
    persons = people.lecture_people()
    predictions, warnings, details = prediction.for_people(records, persons, 0.9)
    return comparison.compare_models(names, records, predictions, [who for who, _ in persons], warnings, details)
