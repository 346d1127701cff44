"""Start-up: the commands people call in shell loops import nothing heavy (a fact, not a timing).

Each command runs in a fresh interpreter, which then reports the top-level modules it has imported.
`make bench` measures what this buys (start-up as a ratio to `python -c "import numpy"`). numpy is on
the list too: a linear model predicts in plain Python, and numpy's import alone is the whole budget.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = {"pandas", "joblib", "matplotlib", "numpy", "scipy", "sklearn", "pyarrow", "threadpoolctl", "dask",
         "distributed"}
FAST_PATHS = {
    "predict": ["predict", "--model", "tim", "--bmi", "24.1", "--adult-mortality", "53", "--hiv", "0.1"],
    "compare": ["compare"],
    "compare --explain": ["compare", "--explain"],
    "help": ["--help"],
}
REPORT = """
import json, sys
sys.argv = ["lifeexp", *json.loads(sys.argv[1])]
try:
    from lifeexp_cli.cli.main import main
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.__stderr__.write("\\nMODULES " + json.dumps([code, sorted({m.split(".")[0] for m in sys.modules})]) + "\\n")
"""


@pytest.mark.parametrize("name", sorted(FAST_PATHS))
def test_fast_paths_import_nothing_heavy(name, tmp_path):
    done = subprocess.run([sys.executable, "-c", REPORT, json.dumps(FAST_PATHS[name])], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    line = [x for x in done.stderr.splitlines() if x.startswith("MODULES ")]
    assert line, done.stderr
    code, modules = json.loads(line[-1][len("MODULES "):])
    assert code in (0, None), done.stderr
    heavy = sorted(HEAVY & set(modules))
    assert not heavy, (f"`lifeexp {' '.join(FAST_PATHS[name])}` imports {', '.join(heavy)}: import it inside "
                       "the function that needs it (see docs/performance.md)")


def test_only_plot_imports_matplotlib():
    probe = ("import sys; from lifeexp_cli.cli.main import app; "
             "print(any(m == 'matplotlib' or m.startswith('matplotlib.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_compare_png_alone_imports_matplotlib(tmp_path):
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom lifeexp_cli.cli.main import app\n"
            "r = CliRunner().invoke(app, ['compare', '--png', 'c.png'])\nassert r.exit_code == 0, r.stderr\n"
            "print(sorted(m for m in ('pandas', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip() == "['matplotlib']" and (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


def test_compare_without_cv_does_not_load_pandas():
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom lifeexp_cli.cli.main import app\n"
            "r = CliRunner().invoke(app, ['compare'])\nassert r.exit_code == 0, r.stderr\n"
            "print(sorted(m for m in ('pandas', 'joblib', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_run_holds_only_the_command_it_invokes(monkeypatch):
    """Typer reads the signature of every command it holds: `lifeexp NAME` holds only NAME while it runs;
    `lifeexp` alone, --help, a mistyped name (its suggestions) and shell completion hold them all."""
    from lifeexp_cli.cli.main import COMPLETE_VAR, app, app_for

    every = ([c.name for c in app.registered_commands], [g.name for g in app.registered_groups])
    held = lambda args: ([c.name for c in app_for(args).registered_commands],  # noqa: E731
                         [g.name for g in app_for(args).registered_groups])
    assert held(["predict", "--bmi", "20"]) == (["predict"], [])
    assert held(["data", "where"]) == ([], ["data"])
    for args in ([], ["--help"], ["predct"], ["--version"]):
        assert held(args) == every and app_for(args) is app
    monkeypatch.setenv(COMPLETE_VAR, "complete_bash")
    assert held(["predict"]) == every
    assert len(every[0]) == 10


OTHER_COMMANDS = ["lifeexp_cli.cli.commands." + name for name in
                  ("fit", "eval_command", "features", "cv", "corr", "select", "plot", "backprop", "data",
                   "data_install")]


def fast_path_modules(name: str, tmp_path) -> list[str]:
    """Every module (full dotted names) that the fast path `name` (a key of FAST_PATHS) has imported by its end;
    the command must have succeeded."""
    done = subprocess.run([sys.executable, "-c", REPORT.replace('m.split(".")[0] for m', "m for m"),
                           json.dumps(FAST_PATHS[name])], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    line = [x for x in done.stderr.splitlines() if x.startswith("MODULES ")]
    assert line, done.stderr
    code, modules = json.loads(line[-1][len("MODULES "):])
    assert code in (0, None), done.stderr
    return modules


@pytest.mark.parametrize("name", ["predict", "compare", "compare --explain"])
def test_a_fast_path_imports_neither_other_commands_nor_statistics_it_does_not_use(name, tmp_path):
    """`lifeexp NAME` imports the module of NAME only (app_for); predict computes no mean or deviation
    of a sample (`statistics` is compare's)."""
    modules = fast_path_modules(name, tmp_path)
    assert f"lifeexp_cli.cli.commands.{name.split()[0]}" in modules
    assert not set(OTHER_COMMANDS) & set(modules)
    assert name != "predict" or "statistics" not in modules


# What the fast paths use only to read or write a CSV (predict --input, a --people file), to check many rows at
# once (numpy), to write a model, or to judge a pickle that is not a plain one: imported where that is done.
ONLY_OFF_THE_FAST_PATHS = ["csv", "lifeexp_cli.data.csv_text", "lifeexp_cli.data.byte_records",
                           "lifeexp_cli.evaluate.neighbours", "lifeexp_cli.model.destination", "tempfile",
                           "pickletools"]


@pytest.mark.parametrize("name", sorted(FAST_PATHS))
def test_a_fast_path_imports_no_reader_or_writer_it_does_not_use(name, tmp_path):
    modules = fast_path_modules(name, tmp_path)
    assert not set(ONLY_OFF_THE_FAST_PATHS) & set(modules), f"`lifeexp {' '.join(FAST_PATHS[name])}` imports " \
        f"{sorted(set(ONLY_OFF_THE_FAST_PATHS) & set(modules))}: import it inside the function that needs it"
