"""The catalogue of ways users and files go wrong: each gets exit 1 or 2, one line on stderr naming the
problem and the way out, no traceback, and no new or changed file."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import signalled_slow_fit
from lifeexp_cli.cli.main import app
from lifeexp_cli.model import store

GOOD = "country,status,bmi,hiv,life_expectancy\nA,Developing,20,1,60\nA,Developing,22,0.5,62\n" \
       "B,Developed,25,0.1,75\nB,Developed,26,0.1,76\nC,Developing,18,3,55\nC,Developing,19,2,57\n"


@dataclass
class Case:
    name: str
    args: list[str]
    code: int
    says: str  # a fragment of the one error line
    files: dict[str, bytes] = field(default_factory=dict)
    stdin: str | None = None
    setup: Callable[[Path], None] | None = None  # makes what `files` cannot: FIFOs, links, sparse files


def text(s: str) -> bytes:
    return s.encode()


def model_bytes() -> bytes:
    return (store.shipped_dir() / "tim.joblib").read_bytes()


DATA_CASES = [
    Case("path does not exist", ["fit", "-F", "bmi", "--data", "nope.csv"], 1, "does not exist"),
    Case("a directory", ["fit", "-F", "bmi", "--data", "adir"], 1, "is a directory", {"adir/x": b""}),
    Case("empty file", ["fit", "-F", "bmi", "--data", "e.csv"], 1, "is empty", {"e.csv": b""}),
    Case("header only", ["fit", "-F", "bmi", "--data", "h.csv"], 1, "no data rows",
         {"h.csv": text("bmi,life_expectancy\n")}),
    Case("target column missing", ["fit", "-F", "bmi", "--data", "t.csv"], 2, "target column",
         {"t.csv": text("bmi,age\n1,2\n3,4\n")}),
    Case("feature missing", ["fit", "-F", "gdp", "--data", "g.csv"], 2, "unknown feature", {"g.csv": text(GOOD)}),
    Case("string in numeric column", ["fit", "-F", "bmi", "--data", "s.csv"], 1, "non-numeric",
         {"s.csv": text(GOOD + "D,Developing,abc,1,50\n")}),
    Case("decimal comma", ["fit", "-F", "bmi", "--data", "c.csv"], 1, "decimal comma",
         {"c.csv": text(GOOD + 'D,Developing,"12,5",1,50\n')}),
    Case("all-missing column", ["fit", "-F", "bmi,hiv", "--data", "m.csv"], 1, "no values",
         {"m.csv": text("bmi,hiv,life_expectancy\n1,,2\n2,,3\n3,,5\n")}),
    Case("infinite value", ["fit", "-F", "bmi", "--data", "i.csv"], 1, "infinite",
         {"i.csv": text(GOOD + "D,Developing,inf,1,50\n")}),
    Case("1e308", ["fit", "-F", "bmi", "--data", "b.csv"], 1, "too large",
         {"b.csv": text(GOOD + "D,Developing,1e308,1,50\n")}),
    Case("1e308 in describe", ["data", "describe", "--data", "b.csv", "--format", "json"], 1, "too large",
         {"b.csv": text(GOOD + "D,Developing,1e308,1,50\n")}),
    Case("1e308 in corr", ["corr", "--data", "b.csv"], 1, "too large",
         {"b.csv": text(GOOD + "D,Developing,1e308,1,50\n")}),
    Case("plot without a target row", ["plot", "-m", "tim-bmi", "--kind", "residuals", "--data", "nt.csv", "--out",
                                       "p.png"], 1, "no row with a value of life_expectancy",
         {"nt.csv": text("bmi,hiv,life_expectancy\n0.0,0.0,\n")}),
    Case("eval without a target row", ["eval", "-m", "tim-bmi", "--data", "nt.csv"], 1,
         "no row with a value of life_expectancy", {"nt.csv": text("bmi,life_expectancy\n20,\n")}),
    Case("duplicated features", ["fit", "-F", "bmi,bmi", "--data", "d.csv"], 2, "named twice",
         {"d.csv": text(GOOD)}),
    Case("alias duplicate", ["fit", "-F", "hiv,hiv_aids", "--data", "d.csv"], 2, "twice",
         {"d.csv": text(GOOD.replace("hiv", "hiv_aids"))}),
    Case("more features than rows", ["fit", "-F", "a,b,c", "--data", "f.csv"], 1, "only 2 rows",
         {"f.csv": text("a,b,c,life_expectancy\n1,2,3,4\n2,1,5,6\n")}),
    Case("one row", ["fit", "-F", "bmi", "--data", "o.csv"], 1, "only 1 row:",
         {"o.csv": text("bmi,life_expectancy\n20,60\n")}),
    Case("garbage bytes", ["fit", "-F", "bmi", "--data", "g.bin"], 1, "binary",
         {"g.bin": bytes(range(256)) * 64}),
    Case("bad status", ["fit", "-F", "status", "--data", "st.csv"], 1, "Developed or Developing",
         {"st.csv": text("status,life_expectancy\nDeveloped,1\nRich,2\nDeveloping,3\n")}),
]

MODEL_CASES = [
    Case("missing model", ["predict", "-m", "nope.joblib", "--bmi", "20"], 1, "no model"),
    Case("model is a directory", ["predict", "-m", "mdir", "--bmi", "20"], 1, "is a directory",
         {"mdir/x": b""}),
    Case("empty model", ["predict", "-m", "e.joblib", "--bmi", "20"], 1, "empty", {"e.joblib": b""}),
    *[Case(f"truncated model at {cut}", ["predict", "-m", "t.joblib", "--bmi", "20"], 1, "corrupt or truncated",
           {"t.joblib": (lambda c: lambda: model_bytes()[:c])(cut)}) for cut in (3, 40, 200, -2)],
    Case("random bytes", ["predict", "-m", "r.joblib", "--bmi", "20"], 1, "not a lifeexp model",
         {"r.joblib": random.Random(512).randbytes(512)}),  # fixed: 1 draw in ~256 began like a pickle
    Case("json file", ["predict", "-m", "j.joblib", "--bmi", "20"], 1, "not a lifeexp model",
         {"j.joblib": text('{"format": "lifeexp-model", "format_version": 1}')}),
    Case("eval data lacks model features", ["eval", "-m", "tim", "--data", "d.csv"], 1, "needs column",
         {"d.csv": text(GOOD)}),
]

def damaged_model(change):
    """The shipped tim model with one field damaged by `change(record)`, as file bytes (made when used)."""
    import pickle

    def build() -> bytes:
        record = pickle.loads(model_bytes())
        change(record)
        return pickle.dumps(record, protocol=4)
    return build


def _adam(options: dict):
    return lambda r: (r.update(solver="adam"), r["spec"].update(solver="adam", scale="standard", options=options))


# Part 3 of issue 13: a field a command uses, damaged. One line naming the file and the field, exit 1.
MODEL_FIELD_CASES = [
    Case(f"model field: {name}", [*args, "m.joblib", *rest], 1, says, {"m.joblib": damaged_model(change)})
    for name, change, args, rest, says in [
        ("format_version true", lambda r: r.update(format_version=True), ["predict", "-m"], ["--bmi", "20"],
         "format version"),
        ("format_version -5", lambda r: r.update(format_version=-5), ["predict", "-m"], ["--bmi", "20"],
         "format version -5"),
        ("integer of 10^400", lambda r: r["metrics"]["train"].update(rmse=10**400), ["compare", "-m"], [],
         "field metrics.train.rmse"),
        ("a list named 10^7 times", lambda r: r.update(warnings=[[0.5] * 10_000] * 1000), ["predict", "-m"],
         ["--bmi", "20"], "field warnings["),
        ("folds without rmse", lambda r: [f.pop("rmse") for f in r["metrics"]["cv"]["folds"]], ["compare", "-m"],
         [], "field metrics.cv.folds[0].rmse is missing"),
        ("metrics.cv a number", lambda r: r["metrics"].update(cv=5), ["compare", "-m"], [], "field metrics.cv"),
        ("no data", lambda r: r.pop("data"), ["eval", "-m"], [], "field data is missing"),
        ("no spec", lambda r: r.pop("spec"), ["compare", "--folds", "5", "-m"], [], "field spec is missing"),
        ("epochs 10^12", _adam({"epochs": 10**12, "patience": 10**12, "tol": 0.0}), ["compare", "--folds", "5", "-m"],
         [], "field spec.options.epochs"),
        ("lr 0", _adam({"lr": 0.0}), ["compare", "--folds", "5", "-m"], [], "field spec.options.lr must be > 0"),
        ("training without history", lambda r: r.update(training={"epochs_run": 1}),
         ["plot", "--kind", "loss", "--out", "p.png", "-m"], [], "field training."),
        ("duplicated features", lambda r: r.update(features=["bmi", "bmi", "hiv_aids"]), ["predict", "-m"],
         ["--bmi", "20"], "field features names bmi twice"),
        ("a network 10^5 wide", lambda r: (r.update(kind="mlp"), r["params"].update(
            network={"activation": "relu", "sizes": [3, 100_000, 1], "weights": [], "biases": []})),
         ["predict", "-m"], ["--bmi", "20"], "field "),
        ("calibration scores unsorted", lambda r: r["calibration"]["statuses"]["all"]["pooled"].update(
            scores=[2.0, 1.0]), ["predict", "-m"], ["--bmi", "20"],
         "field calibration.statuses.all.pooled.scores must be sorted"),
        ("calibration scale 0", lambda r: r["calibration"]["error_size"].update(scale=[1.0, 0.0, 1.0]),
         ["compare", "-m"], [], "field calibration.error_size.scale"),
        ("calibration clip 10^4", lambda r: r["calibration"]["error_size"].update(clip=[0.0, 1e4]), ["predict", "-m"],
         ["--input", "-"], "field calibration.error_size.clip"),
        ("an old calibration without scores", lambda r: r.update(calibration={
            **{k: v for k, v in r["calibration"].items() if k not in ("error_size", "statuses")},
            "method": "cv-conformal"}), ["predict", "-m"], ["--bmi", "20"], "field calibration.center is missing"),
        # issue 24 item 5: every float the predict path divides by, or that (x − center) / scale is made of
        ("domain scale 1e-308", lambda r: r["domain"].update(scale=[1e-308] * 3), ["predict", "-m"],
         ["--bmi", "20"], "field domain.scale item 0 must be >= 1e-50"),
        ("params scale 1e-308", lambda r: r["params"].update(scale=[1e-308] * 3), ["predict", "-m"],
         ["--bmi", "20"], "field params.scale item 0 must be >= 1e-50"),
        ("params scale negative", lambda r: r["params"].update(scale=[-1.0] * 3), ["predict", "-m"],
         ["--bmi", "20"], "field params.scale item 0 must be >= 1e-50"),
        ("params center 1e300", lambda r: r["params"].update(center=[1e300] * 3), ["predict", "-m"],
         ["--bmi", "20"], "field params.center item 0 must be <= 1e+100"),
        ("params fill -1e300", lambda r: r["params"].update(fill=[-1e300] * 3), ["predict", "-m"],
         ["--bmi", "20"], "field params.fill item 0 must be >= -1e+100"),
        ("calibration scale 1e-308", lambda r: r["calibration"]["error_size"].update(scale=[1e-308] * 3), ["predict", "-m"],
         ["--bmi", "20"], "field calibration.error_size.scale item 0"),
        ("calibration coef 1e300", lambda r: r["calibration"]["error_size"].update(coef=[1e300] * 4), ["predict", "-m"],
         ["--bmi", "20"], "field calibration.error_size.coef item 0"),
    ]
]

def fifo(name: str) -> Callable[[Path], None]:
    return lambda folder: os.mkfifo(folder / name)


def model_and_link(folder: Path) -> None:
    (folder / "m.joblib").write_bytes(model_bytes())
    (folder / "link.joblib").symlink_to("m.joblib")


def sparse(name: str, size: int) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        with open(folder / name, "wb") as handle:
            handle.truncate(size)
    return make


# Part 1 of issue 13: writes that would destroy files. Refused before any work; nothing replaced.
WRITE_CASES = [
    Case("--out is the --data file", ["fit", "-F", "bmi", "--data", "d.csv", "--out", "d.csv"], 2,
         "is the data file", {"d.csv": text(GOOD)}),
    Case("--out is the $LIFEEXP_DATA file", ["fit", "-F", "bmi", "--out", "{data}"], 2, "is the data file"),
    Case("--out is a link to the data", ["fit", "-F", "bmi", "--data", "d.csv", "--out", "l.joblib"], 2,
         "is the data file", {"d.csv": text(GOOD)}, setup=lambda f: (f / "l.joblib").symlink_to("d.csv")),
    Case("--out is a file that is not a model", ["fit", "-F", "bmi", "--out", "notes.txt"], 1,
         "is not a lifeexp model", {"notes.txt": text("keep me\n")}),
    Case("--out is a pickle that is not a model", ["fit", "-F", "bmi", "--out", "p.joblib"], 1,
         "is not a lifeexp model", {"p.joblib": b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00}\x94."}),
    Case("--out /dev/null", ["fit", "-F", "bmi", "--out", "/dev/null"], 1, "character device"),
    Case("--out /dev/stdout", ["fit", "-F", "bmi", "--out", "/dev/stdout"], 1, "symbolic link"),
    Case("--out a FIFO", ["fit", "-F", "bmi", "--out", "ff"], 1, "FIFO", setup=fifo("ff")),
    Case("--out a link to a model", ["fit", "-F", "bmi", "--out", "link.joblib"], 1, "symbolic link",
         setup=model_and_link),
    Case("--name ../x", ["fit", "-F", "bmi", "--name", "../x"], 2, "path separator"),
    Case("--name /abs", ["fit", "-F", "bmi", "--name", "/tmp/abs"], 2, "path separator"),
    Case("--name ..", ["fit", "-F", "bmi", "--name", ".."], 2, ".."),
    Case("--name empty", ["fit", "-F", "bmi", "--name", ""], 2, "empty"),
    Case("--out newdir/", ["fit", "-F", "bmi", "--out", "newdir/"], 2, "names a directory"),
    Case("--out empty", ["fit", "-F", "bmi", "--out", ""], 2, "--out is empty"),
    Case("select --fit ../x", ["select", "--candidates", "bmi,hiv", "--fit", "../x"], 2, "--fit '../x'"),
    Case("a network over the file cap", ["fit", "-F", "bmi", "--kind", "mlp", "--hidden", "4096,4096",
                                         "--out", "m.joblib"], 2, "MiB a model file may hold",
         {"m.joblib": model_bytes}),
    Case("select --fit a network over the file cap", ["select", "--candidates", "bmi,hiv", "--kind", "mlp",
                                                      "--hidden", "4096,4096", "--fit", "big"], 2,
         "MiB a model file may hold"),
]

# Part 2 of issue 13: reads that never end. Only regular files (stdin `-` aside), and capped reads.
READ_CASES = [
    Case("--model /dev/zero", ["predict", "-m", "/dev/zero", "--bmi", "20"], 1, "character device"),
    Case("--model a FIFO", ["predict", "-m", "ff.joblib", "--bmi", "20"], 1, "FIFO", setup=fifo("ff.joblib")),
    Case("--model over 64 MiB", ["predict", "-m", "big.joblib", "--bmi", "20"], 1, "larger than 64 MiB",
         setup=sparse("big.joblib", (64 << 20) + 1)),
    Case("--data /dev/zero", ["fit", "-F", "bmi", "--data", "/dev/zero", "--out", "m.joblib"], 1,
         "character device"),
    Case("--data /dev/urandom --stream", ["fit", "-F", "bmi", "--stream", "--data", "/dev/urandom", "--out",
                                          "m.joblib"], 1, "character device"),
    Case("--data a FIFO", ["fit", "-F", "bmi", "--data", "ff", "--out", "m.joblib"], 1, "FIFO",
         setup=fifo("ff")),
    Case("--input /dev/urandom", ["predict", "-m", "tim-bmi", "--input", "/dev/urandom"], 1, "character device"),
    Case("--input a FIFO", ["predict", "-m", "tim-bmi", "--input", "ff"], 1, "FIFO", setup=fifo("ff")),
    Case("--input - with no line break", ["predict", "-m", "tim-bmi", "--input", "-"], 1,
         "first line longer than 1 MiB", stdin="b" * (2 << 20)),
    Case("--input - with a 10 MiB record", ["predict", "-m", "tim-bmi", "--input", "-"], 1,
         "record longer than 8 MiB (no line break)", stdin="bmi\n" + "2" * (10 << 20)),
    Case("--people /dev/zero", ["compare", "--people", "/dev/zero"], 2, "not a regular file"),
    Case("--people a FIFO", ["compare", "--people", "p.json"], 2, "FIFO", setup=fifo("p.json")),
    Case("--people over 1 MiB", ["compare", "--people", "p.csv"], 2, "larger than 1 MiB",
         setup=sparse("p.csv", (1 << 20) + 1)),
]

PREDICT_CASES = [
    Case("--bmi abc", ["predict", "-m", "tim-bmi", "--bmi", "abc"], 2, "must be a number"),
    Case("--bmi nan", ["predict", "-m", "tim-bmi", "--bmi", "nan"], 2, "finite"),
    Case("--bmi inf", ["predict", "-m", "tim-bmi", "--bmi", "inf"], 2, "finite"),
    Case("zero height", ["predict", "-m", "tim-bmi", "--height", "0", "--weight", "80"], 2, "positive"),
    Case("negative weight", ["predict", "-m", "tim-bmi", "--height", "1.8", "--weight", "-80"], 2, "positive"),
    Case("height without weight", ["predict", "-m", "tim-bmi", "--height", "1.8"], 2, "both"),
    Case("unknown feature", ["predict", "-m", "tim-bmi", "--gdpp", "3"], 2, "no such option --gdpp"),
    Case("feature twice", ["predict", "-m", "tim-bmi", "--bmi", "3", "--bmi", "4"], 2, "twice"),
    Case("strict and left out", ["predict", "-m", "tim", "--bmi", "20", "--strict"], 2, "--strict"),
    Case("batch missing model features", ["predict", "-m", "tim", "--input", "b.csv", "--strict"], 1, "lacks column",
         {"b.csv": text("bmi,x\n20,1\n")}),
    Case("empty batch file", ["predict", "-m", "tim-bmi", "--input", "e.csv"], 1, "empty", {"e.csv": b""}),
    Case("batch file missing", ["predict", "-m", "tim-bmi", "--input", "nope.csv"], 1, "does not exist"),
    Case("batch and options", ["predict", "-m", "tim-bmi", "--input", "-", "--bmi", "3"], 2, "either"),
    Case("--level 1", ["predict", "-m", "tim-bmi", "--bmi", "20", "--level", "1"], 2, "--level must be between"),
    Case("--level -0.1", ["predict", "-m", "tim-bmi", "--bmi", "20", "--level", "-0.1"], 2, "--level"),
    Case("--level nan", ["predict", "-m", "tim-bmi", "--input", "-", "--level", "nan"], 2, "--level"),
    Case("--level abc", ["predict", "-m", "tim-bmi", "--bmi", "20", "--level", "abc"], 2, "--level"),
    Case("compare --level 95", ["compare", "--level", "95"], 2, "--level must be between"),
    Case("--level above n/(n+1)", ["predict", "-m", "tim-bmi", "--bmi", "20", "--level", "0.9999"], 2,
         "calibration rows"),
]

OPTION_CASES = [
    Case("--test-size 0", ["fit", "-F", "bmi", "--test-size", "0"], 2, "--test-size"),
    Case("--test-size 1", ["fit", "-F", "bmi", "--test-size", "1"], 2, "--test-size"),
    Case("--folds 1", ["fit", "-F", "bmi", "--folds", "1"], 2, "at least 2"),
    Case("--folds 500 > countries", ["fit", "-F", "bmi", "--folds", "500"], 2, "fewer folds"),
    Case("--name with --out", ["fit", "-F", "bmi", "--name", "a", "--out", "b.joblib"], 2, "--name or --out"),
    Case("--folds with --test-size", ["fit", "-F", "bmi", "--folds", "5", "--test-size", "0.2"], 2, "not both"),
    Case("unknown solver", ["fit", "-F", "bmi", "--solver", "magic"], 2, "--solver"),
    Case("unknown scaler", ["fit", "-F", "bmi", "--scale", "robust"], 2, "--scale"),
    Case("unknown impute", ["fit", "-F", "bmi", "--impute", "zero"], 2, "--impute"),
    Case("unknown option", ["fit", "-F", "bmi", "--bogus"], 2, "No such option"),
    Case("unknown command", ["fitt"], 2, "No such command"),
    Case("no data anywhere", ["fit", "-F", "bmi"], 2, "LIFEEXP_DATA"),
    Case("--out is a directory", ["fit", "-F", "bmi", "--out", "odir"], 1, "is a directory", {"odir/x": b""}),
    Case("--out under a file", ["fit", "-F", "bmi", "--out", "afile/m.joblib"], 1, "cannot write",
         {"afile": b"x"}),
    Case("--out on a read-only filesystem", ["fit", "-F", "bmi", "--out", "/proc/lifeexp.joblib"], 1,
         "cannot write"),
    Case("--lr 0", ["fit", "-F", "bmi", "--solver", "sgd", "--lr", "0"], 2, "--lr must be > 0"),
    Case("--lr negative", ["fit", "-F", "bmi", "--solver", "adam", "--lr", "-1"], 2, "--lr must be > 0"),
    Case("--epochs 0", ["fit", "-F", "bmi", "--solver", "gd", "--epochs", "0"], 2, "--epochs"),
    Case("--batch-size 0", ["fit", "-F", "bmi", "--solver", "sgd", "--batch-size", "0"], 2, "--batch-size"),
    Case("--lr with lstsq", ["fit", "-F", "bmi", "--lr", "0.1"], 2, "only applies"),
    Case("diverging gd", ["fit", "-F", "bmi,gdp", "--solver", "gd", "--lr", "50", "--out", "m.joblib"], 1,
         "--lr"),
    Case("--folds 1", ["cv", "-F", "bmi", "--folds", "1"], 2, "at least 2"),
    Case("--folds > countries", ["cv", "-F", "bmi", "--folds", "500"], 2, "fewer folds"),
    Case("corr unknown target", ["corr", "--target", "lifee"], 2, "did you mean"),
    Case("plot to a non-png", ["plot", "-m", "tim", "--out", "x.txt"], 2, ".png"),
    Case("plot loss of a closed-form model", ["plot", "-m", "tim", "--kind", "loss", "--out", "x.png"], 2,
         "does not apply"),
    Case("--hidden 64,abc", ["fit", "-F", "bmi", "--kind", "mlp", "--hidden", "64,abc"], 2, "--hidden"),
    Case("--hidden 0", ["fit", "-F", "bmi", "--kind", "mlp", "--hidden", "0"], 2, "--hidden"),
    Case("unknown activation", ["fit", "-F", "bmi", "--kind", "mlp", "--activation", "foo"], 2, "--activation"),
    Case("--se unknown", ["fit", "-F", "bmi", "--se", "robust"], 2, "--se must be one of"),
    Case("--se with a network", ["fit", "-F", "bmi", "--kind", "mlp", "--se", "hc3"], 2, "linear models"),
    Case("--ensemble 0", ["cv", "-F", "bmi", "--kind", "mlp", "--ensemble", "0"], 2, "--ensemble"),
    Case("--ensemble 21", ["fit", "-F", "bmi", "--kind", "mlp", "--ensemble", "21"], 2, "from 1 to 20"),
    Case("--ensemble with a linear model", ["cv", "-F", "bmi", "--ensemble", "3"], 2, "--ensemble"),
    Case("backprop --steps 0", ["backprop", "--steps", "0"], 2, "--steps"),
    Case("backprop --lr 0", ["backprop", "--lr", "0"], 2, "--lr"),
    Case("bad person", ["compare", "--person", "ann"], 2, "name:bmi"),
    Case("person typo", ["compare", "--person", "ann:bmii=22"], 2, "did you mean bmi"),
]

# Outside text with Rich markup in it: shown as typed, with the exit code of the mistake (not a MarkupError's 1).
# tests/cli/test_hostile_text.py sweeps every command with markup, control characters and a fake Error: line.
MARKUP_CASES = [
    Case("markup in a feature name", ["fit", "-F", "[/x]"], 2, "[/x]"),
    Case("markup in a target name", ["corr", "--target", "[bold]t"], 2, "[bold]t"),
    Case("markup in a data path", ["fit", "-F", "bmi", "--data", "[bold]x.csv"], 1, "[bold]x.csv"),
    Case("markup in a model name", ["predict", "-m", "[/x]", "--bmi", "20"], 1, "[/x]"),
    Case("markup in an option name", ["fit", "--[/x]"], 2, "--[/x]"),
    Case("markup in a person", ["compare", "--person", "ann:[/x]=3"], 2, "[/x]"),
]

def overflowing_model() -> bytes:
    """tim-bmi with a weight so large that a prediction overflows to infinity."""
    record = store.load("tim-bmi")
    record.pop("path")
    record["params"]["weights"] = [1.7e308]
    return pickle.dumps(record, protocol=4)


def wide_csv(columns: int) -> bytes:
    header = ",".join(f"c{i}" for i in range(columns)) + ",life_expectancy\n"
    return text(header + "".join(",".join(str((i * 7 + j * 3) % 11) for j in range(columns + 1)) + "\n"
                                 for i in range(4)))


LONG_FIELD = '"' + "x" * 200_000 + '"'
# Odd environments and inputs (issue 13 part 5, 7, 8); the OS-level ones run in real processes in
# tests/system/test_odd_environments.py.
ODD_CASES = [
    Case("--seed -1 in cv", ["cv", "-F", "bmi", "--seed", "-1"], 2, "--seed"),
    Case("--seed -1 in select", ["select", "-F", "bmi,hiv", "--seed", "-1"], 2, "--seed"),
    Case("--seed -1 in fit --folds", ["fit", "-F", "bmi", "--folds", "5", "--seed", "-1"], 2, "--seed"),
    Case("people JSON a list of numbers", ["compare", "-m", "tim-bmi", "--people", "p.json"], 2, "JSON object",
         {"p.json": text("[1, 2]")}),
    Case("people JSON a number", ["compare", "-m", "tim-bmi", "--people", "p.json"], 2, "JSON object",
         {"p.json": text("5")}),
    Case("people JSON of numbers", ["compare", "-m", "tim-bmi", "--people", "p.json"], 2, "JSON object",
         {"p.json": text('{"ann": 3}')}),
    Case("people JSON deeply nested", ["compare", "-m", "tim-bmi", "--people", "p.json"], 2, "nested too deeply",
         {"p.json": text("[" * 100_000 + "]" * 100_000)}),
    Case("people JSON with a list value", ["compare", "-m", "tim-bmi", "--people", "p.json"], 2, "must be a number",
         {"p.json": text('{"ann": {"bmi": [1]}}')}),
    Case("people JSON with a boolean", ["compare", "-m", "tim-bmi", "--people", "p.json"], 2, "must be a number",
         {"p.json": text('[{"name": "ann", "bmi": true}]')}),
    Case("people JSON UTF-16 without BOM", ["compare", "-m", "tim-bmi", "--people", "p.json"], 2, "not valid JSON",
         {"p.json": '{"ann": {"bmi": 22}}'.encode("utf-16-le")}),
    Case("people JSON with an integer of 401 digits", ["compare", "-m", "tim-bmi", "--people", "p.json"], 2,
         "too large", {"p.json": text('{"ann": {"bmi": 1' + "0" * 400 + "}}")}),
    Case("people in Latin-1", ["compare", "-m", "tim-bmi", "--people", "p.json"], 2, "not UTF-8",
         {"p.json": '{"Zoë": {"bmi": 22}}'.encode("latin-1")}),
    Case("field over the csv limit in --input", ["predict", "-m", "tim-bmi", "--input", "f.csv"], 1,
         "longer than 131072", {"f.csv": text(f"name,bmi\n{LONG_FIELD},20\nb,22\n")}),
    Case("field over the csv limit in --people", ["compare", "-m", "tim-bmi", "--people", "f.csv"], 1,
         "longer than 131072", {"f.csv": text(f"name,bmi\n{LONG_FIELD},20\nb,22\n")}),
    Case("1e308 in batch predict", ["predict", "-m", "tim-bmi", "--input", "b.csv"], 1, "too large",
         {"b.csv": text("bmi\n20\n1e308\n")}),
    Case("1e308 in batch predict JSON", ["predict", "-m", "tim-bmi", "--input", "b.csv", "--format", "json"], 1,
         "too large", {"b.csv": text("bmi\n20\n1e308\n")}),
    Case("--bmi 1e200", ["predict", "-m", "tim-bmi", "--bmi", "1e200"], 2, "too large"),
    Case("person 1e200", ["compare", "-m", "tim-bmi", "--person", "ann:bmi=1e200"], 2, "too large"),
    Case("prediction overflows", ["predict", "-m", "w.joblib", "--bmi", "77"], 1, "no finite prediction",
         {"w.joblib": overflowing_model}),
    Case("batch prediction overflows", ["predict", "-m", "w.joblib", "--input", "b.csv", "--format", "json"], 1,
         "no finite prediction for row 2", {"w.joblib": overflowing_model, "b.csv": text("bmi\n20\n77\n")}),
    Case("corr on too many columns", ["corr", "--data", "w.csv"], 2, "at most 2000", {"w.csv": wide_csv(2001)}),
    Case("select on too many candidates", ["select", "--data", "w.csv"], 2, "--candidates",
         {"w.csv": wide_csv(201)}),
]

def people(name: str, content: str, says: str, args: tuple[str, ...] = ()) -> Case:
    return Case(name, ["compare", "-m", "tim-bmi", "--people", name.split()[-1], *args], 2, says,
                {name.split()[-1]: text(content)})


# Issue 24 item 4: a --people file is read as written or refused, naming the file and the fix (exit 2, as
# every --people problem); never a traceback, never a person lost or Tim and Tom put in silently.
PEOPLE_CASES = [
    people("5000 digits p.json", '{"ann": {"bmi": 1' + "0" * 5000 + "}}", "p.json: ann: bmi is too large"),
    people("1e400 p.json", '{"ann": {"bmi": 1e400}}', "bmi is too large"),
    people("NaN literal p.json", '{"ann": {"bmi": NaN}}', "bmi must be a finite number, got 'NaN'"),
    people("-Infinity literal p.json", '{"ann": {"bmi": -Infinity}}', "must be a finite number"),
    people("nested value p.json", '{"ann": {"bmi": {"v": 22}}}', "bmi must be a number, got an object"),
    people("empty object p.json", "{}", "has no people"),
    people("empty list p.json", "[]", "has no people"),
    people("a name twice p.json", '{"ann": {"bmi": 20}, "ann": {"bmi": 30}}', "names ann twice"),
    people("a listed name twice p.json", '[{"name": "ann", "bmi": 20}, {"name": " ann", "bmi": 30}]',
           "names ann twice"),
    people("a name given twice to one person p.json", '[{"name": "ann", "name": "bob", "bmi": 20}]',
           '"name" twice'),
    people("a name that is no text p.json", '[{"name": [1], "bmi": 20}]', '"name" must be text, got a list'),
    people("a feature twice p.json", '{"ann": {"bmi": 20, "bmi": 30}}', "gives 'bmi' twice"),
    people("bmi and BMI p.json", '{"ann": {"bmi": 20, "BMI": 30}}', "'bmi' and 'BMI', both bmi"),
    people("hiv and hiv_aids p.json", '{"ann": {"hiv": 1, "hiv_aids": 2}}', "both hiv_aids"),
    people("a name twice p.csv", "name,bmi\nann,20\nann,30\n", "names ann twice"),
    people("a blank name beside person1 p.csv", "name,bmi\n,20\nperson1,30\n", "a blank name is person<N>"),
    people("a column twice p.csv", "name,bmi,bmi\nann,20,30\n", "header gives 'bmi' twice"),
    people("bmi and BMI p.csv", "name,bmi,BMI\nann,20,30\n", "both bmi"),
    people("only a header p.csv", "name,bmi\n", "has no rows"),
    people("a row with a cell too many p.csv", "name,bmi\nann,20,30\n", "line 2 has 3 cells, the header 2"),
    people("a row with a cell too few p.csv", "name,bmi,hiv\nann,20,1\nbob,20\n", "line 3 has 2 cells"),
    people("a value under an unnamed column p.csv", "name,,bmi\nann,5,20\n", "a column the header does not name"),
    Case("--person with a feature twice", ["compare", "-m", "tim-bmi", "--person", "ann:bmi=20,BMI=30"], 2,
         "--person ann gives 'bmi' and 'BMI', both bmi"),
    Case("--person with 5000 digits", ["compare", "-m", "tim-bmi", "--person", "ann:bmi=" + "9" * 5000], 2,
         "bmi is too large"),
]

def who_header_then_zeros(name: str, size: int) -> Callable[[Path], None]:
    """A file whose first block is the WHO header and text rows, then zeros to `size` bytes (sparse)."""
    from lifeexp_cli.data import catalog

    def make(folder: Path) -> None:
        with open(folder / name, "wb") as handle:
            handle.write(text(",".join(catalog.WHO_COLUMNS) + "\n" + (",".join(["1"] * 22) + "\n") * 3000))
            handle.truncate(size)
    return make


# Issue 24 item 8: `data install` of a big wrong file is refused from its header and size, unread.
INSTALL_CASES = [
    Case("data install of a 100 MB wrong file", ["data", "install", "big.csv"], 1,
         "larger than 4 MiB, so it is not the WHO Life Expectancy dataset", setup=who_header_then_zeros(
             "big.csv", 100 << 20)),
    Case("data install of a file with another header", ["data", "install", "o.csv"], 1,
         "lacks the columns year", {"o.csv": text(GOOD)}),
]

# Issue 24 items 1, 2, 6, 9: rows that do not line up with the header, files that are no CSV text, two
# columns that mean one feature: refused by every reader, naming the file and the line (or both columns).
SHIFTED = GOOD.replace("B,Developed,25,0.1,75\n", "B,Developed,25,0.1,75,9\n")
SHORT = GOOD.replace("B,Developed,25,0.1,75\n", "B,Developed,25\n")
CR_INSIDE = GOOD.replace("\n", "\r\n").replace(",62\r\n", ",62\r,7\r\n")
QUOTE_INSIDE = GOOD.replace("B,Developed,25,", 'B,Devel"oped,25,')  # text to pandas, a quoted field to the row check
TWICE = GOOD.replace("hiv", "BMI")


def reading(name: str, content: bytes, says: str) -> list[Case]:
    """The same file given to the streamed and the in-memory fit, to data info, and to batch predict."""
    return [Case(f"{name}: {how}", [*args, "r.csv"], 1, says, {"r.csv": content})
            for how, args in (("fit --stream", ["fit", "-F", "bmi", "--stream", "--out", "m.joblib", "--data"]),
                              ("fit --no-stream", ["fit", "-F", "bmi", "--no-stream", "--out", "m.joblib",
                                                   "--data"]),
                              ("data info", ["data", "info", "--data"]),
                              ("predict --input", ["predict", "-m", "tim-bmi", "--input"]))]


def gzipped(content: str) -> bytes:
    import gzip

    return gzip.compress(content.encode(), mtime=0)


READING_CASES = [
    *reading("a row with a cell too many", text(SHIFTED), "line 4 has 6 cells where the header has 5 columns"),
    *reading("a row with cells missing", text(SHORT), "line 4 has 3 cells where the header has 5 columns"),
    *reading("a cell after a CR in a CRLF file", text(CR_INSIDE), "line 3 has 2 cells where the header has 5"),
    *reading("a quote inside a cell", text(QUOTE_INSIDE), 'line 4 has a " inside a cell'),
    *reading("bmi and BMI", text(TWICE), "columns 'bmi' and 'BMI', which both mean bmi"),
    Case("bmi twice in fit --no-stream", ["fit", "-F", "bmi", "--no-stream", "--data", "d.csv"], 1,
         "columns 'bmi' and 'bmi', which both mean bmi", {"d.csv": text("bmi,bmi,life_expectancy\n1,2,3\n")}),
    Case("--input of Parquet", ["predict", "-m", "tim-bmi", "--input", "p.csv"], 1, "is a Parquet file",
         {"p.csv": b"PAR1\x15\x04\x15\x10\x15\x14L\x15\x02\x15\x00\x12\x00\x00\n" * 50}),
    Case("--input gzip-compressed", ["predict", "-m", "tim-bmi", "--input", "g.csv.gz"], 1, "gzip-compressed",
         {"g.csv.gz": gzipped("bmi\n20\n" * 100)}),
    Case("--input UTF-16", ["predict", "-m", "tim-bmi", "--input", "u.csv"], 1, "UTF-16",
         {"u.csv": "bmi,hiv\n20,1\n".encode("utf-16")}),
    Case("--input separated by |", ["predict", "-m", "tim-bmi", "--input", "s.csv"], 1,
         "has none of the columns model", {"s.csv": text("bmi|hiv\n20|1\n25|2\n")}),
    Case("--input without the model's features", ["predict", "-m", "tim-bmi", "--input", "n.csv"], 1,
         "has none of the columns model", {"n.csv": text("weight,height\n80,1.8\n")}),
]

def repeated_string_parquet(name: str) -> Callable[[Path], None]:
    """About 200 KB on disk: one 2000-character string, stored once in a dictionary, in a million rows."""
    def make(folder: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        n = 1_000_000
        pq.write_table(pa.table({"country": pa.array(["x" * 2000] * n).dictionary_encode(),
                                 "bmi": pa.array([20.0] * n), "life_expectancy": pa.array([60.0] * n)}),
                       folder / name, row_group_size=n)
    return make


def parquet_bmi_and_BMI(folder: Path) -> None:
    import pandas as pd

    pd.DataFrame({"bmi": [20.0, 25.0], "BMI": [1.0, 2.0], "life_expectancy": [60.0, 70.0]}).to_parquet(folder / "d.pq")


PARQUET_TWICE = [Case(f"bmi and BMI in Parquet: {mode}", ["fit", "-F", "bmi", mode, "--data", "d.pq"], 1,
                      "columns 'bmi' and 'BMI', which both mean bmi", setup=parquet_bmi_and_BMI)
                 for mode in ("--stream", "--no-stream")]

LONG_LINE = GOOD + "D,Developing," + "9" * (9 << 20) + ",50\n"
LONG_CELL = GOOD + "D,Developing," + "y" * 300_000 + ",1,50\n"

# Issue 24 item 8 (lines): a line longer than limits.MAX_RECORD_BYTES is refused by every reader as it is
# read (memory stays bounded); a cell shown in a message is cut to limits.SHOWN_CHARS with "…"; a Parquet
# column that would decode to more than limits.MAX_PARQUET_COLUMN_BYTES is refused before it is decoded.
SIZE_CASES = [
    *reading("a 9 MiB line", text(LONG_LINE), "longer than 8 MiB"),
    *[Case(f"a 300 KB cell shown cut: {mode}", ["fit", "-F", "bmi", mode, "--data", "c.csv"], 1,
           "non-numeric value 'yyyyyyyyyy", {"c.csv": text(LONG_CELL)}) for mode in ("--stream", "--no-stream")],
    *[Case(f"a Parquet column that decodes to 2 GB: {mode}", ["fit", "-F", "bmi", mode, "--data", "r.parquet"], 1,
           "decodes to about 1907 MiB", setup=repeated_string_parquet("r.parquet"))
      for mode in ("--stream", "--no-stream")],
]

# Issue 24 item 11 (batch output): nothing on stdout before an error is known. A bad row after 200,000 good ones
# (1.4 MB: past the first block of input, opening.BLOCK_BYTES), in every output format, from a file and from
# stdin: stdout stays empty (csv streamed the blocks before it).
LATE = "country,bmi,hiv\n" + "A,20,1\n" * 200_000
LATE_CASES = [Case(f"a bad row late in --input {where}, {kind}: {output}", ["predict", "-m", "tim-bmi", "--input", name,
                                                                   "--format", output], 1, says,
                   {} if name == "-" else {name: text(LATE + row)}, LATE + row if name == "-" else None)
              for where, name in (("FILE", "late.csv"), ("-", "-"))
              for output in ("csv", "json")
              for kind, row, says in (("a bad cell", "B,abc,1\n", "non-numeric value 'abc' in row 200002"),
                                      ("a cell too many", "B,20,1,9\n",
                                       "line 200002 has 4 cells where the header has 3 columns"))]

CATALOGUE = (DATA_CASES + MODEL_CASES + MODEL_FIELD_CASES + WRITE_CASES + READ_CASES + PREDICT_CASES
             + OPTION_CASES + MARKUP_CASES + ODD_CASES + PEOPLE_CASES
             + INSTALL_CASES + READING_CASES + SIZE_CASES + PARQUET_TWICE + LATE_CASES)


def snapshot(root: Path) -> dict[str, str]:
    """Every path under root: a regular file's hash, else what it is (a link's target, a FIFO, a folder)."""
    def state(p: Path) -> str:
        if p.is_symlink():
            return "link to " + os.readlink(p)
        return hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "fifo" if p.is_fifo() else "dir"
    return {str(p.relative_to(root)): state(p) for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.name for c in CATALOGUE])
def test_catalogue(case, tmp_path, monkeypatch, who_env):
    monkeypatch.chdir(tmp_path)
    if case.name == "no data anywhere":
        monkeypatch.delenv("LIFEEXP_DATA")
    for name, content in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content() if callable(content) else content)
    if case.setup:
        case.setup(tmp_path)
    before = snapshot(tmp_path), hashlib.sha256(who_env.read_bytes()).hexdigest()
    args = [arg.replace("{data}", str(who_env)) for arg in case.args]
    result = CliRunner().invoke(app, args, input=case.stdin, env={"COLUMNS": "2000"})  # no line wraps
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == case.code, (result.exit_code, result.stderr, result.exception)
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert case.says in lines[0], lines[0][:1000]
    assert len(lines[0]) < 1000  # a long value is cut (limits.SHOWN_CHARS), never repeated whole
    assert "Traceback" not in result.stdout + result.stderr and not isinstance(result.exception, Exception) \
        or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert (snapshot(tmp_path), hashlib.sha256(who_env.read_bytes()).hexdigest()) == before  # nothing new or changed


RECOVERIES = {
    "latin-1": ("caf\u00e9,bmi,life_expectancy\nx,20,60\ny,25,70\nz,30,75\n".encode("latin-1"), "Latin-1"),
    "utf-8 BOM": (b"\xef\xbb\xbf" + text("bmi,life_expectancy\n20,60\n25,70\n30,75\n"), None),
    "CRLF": (text("bmi,life_expectancy\r\n20,60\r\n25,70\r\n30,75\r\n"), None),
    "semicolons": (text("bmi;life_expectancy\n20;60\n25;70\n30;75\n"), None),
    "quoted fields": (text('"bmi","life_expectancy","note"\n"20","60","a, b"\n25,70,"x"\n30,75,""\n'), None),
    "n/a cells": (text("bmi,life_expectancy\n20,60\nn/a,70\n25,70\n30,75\n"), None),
}


@pytest.mark.parametrize("name", sorted(RECOVERIES))
def test_announced_recoveries(name, tmp_path):
    content, warning = RECOVERIES[name]
    (tmp_path / "d.csv").write_bytes(content)
    result = CliRunner().invoke(app, ["fit", "-F", "bmi", "--data", str(tmp_path / "d.csv"),
                                      "--out", str(tmp_path / "m.joblib"), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert '"bmi"' in result.stdout
    if warning:
        assert warning in result.stderr


@pytest.mark.parametrize("mode", ["--no-stream", "--stream"])
def test_rows_without_a_country_form_one_group(tmp_path, mode):
    """Empty country cells (pandas 3 keeps them missing through astype(str), which once made the in-memory
    fit's sort of the countries raise): one group named "nan", in memory and streamed alike."""
    lines = ["country,bmi,life_expectancy"] + [f"{'' if i % 4 == 0 else 'C' + str(i % 7)},{20 + i % 9},{60 + i % 5}"
                                               for i in range(60)]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(app, ["fit", "-F", "bmi", "--data", str(tmp_path / "d.csv"), mode,
                                      "--out", str(tmp_path / "m.joblib"), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["inference"]["clusters"] == 8 and document["calibration"]["groups"] == 8  # C0..C6 and ""


def test_batch_with_extra_columns_passes_them_through(tmp_path):
    rows = 'name,bmi,comment\nann,20,"hello, world"\nbob,,x\n'
    result = CliRunner().invoke(app, ["predict", "-m", "tim-bmi", "--input", "-"], input=rows)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == ("name,bmi,comment,predicted_life_expectancy,lower_life_expectancy,upper_life_expectancy,"
                        "in_domain")
    assert lines[1].startswith('ann,20,"hello, world",')
    assert "filled" in result.stderr  # bob's blank bmi, announced


@pytest.mark.parametrize("output", ["csv", "json"])
def test_batch_output_spooled_to_disk_is_the_output_held_in_memory(output, monkeypatch):
    """Batch output waits in memory up to SPOOL_SIZE, then in a temporary file: past the bound (here 100 bytes),
    stdout gets the same bytes, copied in pieces (here 7 bytes: pieces that cut rows and characters)."""
    from lifeexp_cli.cli.commands import predict

    rows = "name,bmi\n" + "".join(f"caf\u00e9 {i},{20 + i % 10}\n" for i in range(300))
    args = ["predict", "-m", "tim-bmi", "--input", "-", "--format", output, "-q"]
    held = CliRunner().invoke(app, args, input=rows)
    monkeypatch.setattr(predict, "SPOOL_SIZE", 100)
    monkeypatch.setattr(predict, "COPY_SIZE", 7)
    spooled = CliRunner().invoke(app, args, input=rows)
    assert held.exit_code == spooled.exit_code == 0, spooled.stderr
    assert spooled.stdout_bytes == held.stdout_bytes and len(held.stdout.splitlines()) > 300


def test_height_in_centimetres_warns():
    result = CliRunner().invoke(app, ["predict", "-m", "tim-bmi", "--height", "182", "--weight", "80"])
    assert result.exit_code == 0
    assert "implausible" in result.stderr and "metres" in result.stderr


def test_out_in_a_missing_directory_is_created(tmp_path, who_env):
    out = tmp_path / "new" / "dir" / "m.joblib"
    result = CliRunner().invoke(app, ["fit", "-F", "bmi", "--out", str(out), "-q"])
    assert result.exit_code == 0 and out.is_file()


def _lifeexp() -> list[str]:
    return [sys.executable, "-m", "lifeexp_cli"]


def test_closed_pipe_ends_quietly(tmp_path):
    rows = "bmi\n" + "".join(f"{20 + i % 10}\n" for i in range(200_000))
    (tmp_path / "big.csv").write_text(rows)
    proc = subprocess.run(f"{' '.join(_lifeexp())} predict -m tim-bmi --input {tmp_path / 'big.csv'} | head -1",
                          shell=True, capture_output=True, text=True, check=False)
    assert proc.stdout.strip() == ("bmi,predicted_life_expectancy,lower_life_expectancy,upper_life_expectancy,"
                                   "in_domain")
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


def test_concurrent_fits_leave_one_complete_model(tmp_path, who_env):
    out = tmp_path / "m.joblib"
    procs = [subprocess.Popen([*_lifeexp(), "fit", "-F", features, "--out", str(out), "-q"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for features in ("bmi", "gdp,income,schooling", "bmi,hiv", "gdp")]
    assert all(p.wait() == 0 for p in procs)
    record = store.load(str(out))
    assert record["features"] in (["bmi"], ["gdp", "income_composition_of_resources", "schooling"],
                                  ["bmi", "hiv_aids"], ["gdp"])
    assert [p.name for p in tmp_path.iterdir()] == ["m.joblib"]  # no temporary file left


def test_sigint_exits_130_and_keeps_the_previous_model(tmp_path, who_env):
    out = tmp_path / "m.joblib"
    subprocess.run([*_lifeexp(), "fit", "-F", "bmi", "--out", str(out), "-q"], check=True)
    before = out.read_bytes()
    code, err = signalled_slow_fit(out, signal.SIGINT)
    assert code == 130
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.joblib"]


@pytest.mark.parametrize("signum, code, says", [
    (signal.SIGINT, 130, "Error: interrupted (Ctrl-C): a model file is only ever replaced whole, never half-written"),
    (signal.SIGTERM, 143, "Error: terminated (SIGTERM): a model file is only ever replaced whole, never half-written"),
])
def test_an_error_a_library_makes_of_an_interrupt_is_the_interrupt(signum, code, says, monkeypatch, who_env):
    """pandas' C parser, interrupted while it calls a Python file's `read`, sometimes reports "Calling
    read(nbytes) on source failed" instead of letting the KeyboardInterrupt through: the test above failed
    with exit 1 and "… is not a readable CSV" once in 20 runs on a loaded machine. An error raised after a
    signal arrived is the interrupt's: exit 130 (143 for SIGTERM) and its one line."""
    from lifeexp_cli.cli import interrupts
    from lifeexp_cli.errors import DataError

    def interrupted_then_an_error(*args, **kwargs):
        try:
            os.kill(os.getpid(), signum)
            signal.sigtimedwait([], 5)  # the handler runs (and raises) as soon as the signal is delivered
        except KeyboardInterrupt:
            raise DataError("life.csv is not a readable CSV (Calling read(nbytes) on source failed)") from None
        raise AssertionError("the signal was not handled")

    monkeypatch.setattr("lifeexp_cli.usecases.predict.predict_person", interrupted_then_an_error)
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as a fresh interpreter has them
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        interrupts.handle_signals()
        result = CliRunner().invoke(app, ["predict", "-m", "tim", "--bmi", "20"])
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    assert result.exit_code == code and result.stderr.splitlines() == [says], (result.exit_code, result.stderr)
    assert result.stdout == ""


def _allocate_too_much(*args, **kwargs):
    import numpy as np

    return np.empty(1 << 57)  # numpy's own MemoryError: "Unable to allocate 1.00 EiB for an array ..."


@pytest.mark.parametrize("args, patched, says", [
    (["fit", "-F", "bmi", "--no-stream", "--out", "m.joblib"], "lifeexp_cli.model.fit.design.fit_design",
     "Error: not enough memory for fit (1.00 EiB at once): try --stream, or fewer rows"),
    (["predict", "-m", "tim", "--bmi", "20"], "lifeexp_cli.usecases.predict.predict_person",
     "Error: not enough memory for predict (1.00 EiB at once): try fewer rows, or a machine with more memory"),
])
def test_a_memory_error_is_one_line(args, patched, says, tmp_path, monkeypatch, who_env):
    """Issue 24 item 8: a MemoryError anywhere (`fit --no-stream` under `ulimit -v`) is one line, exit 1."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(patched, _allocate_too_much)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and not isinstance(result.exception, MemoryError), result.exception
    assert result.stderr.splitlines() == [says] and result.stdout == "", (result.stdout, result.stderr)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["first row", "every row"])
def test_a_trailing_separator_is_read_as_written(tmp_path, where):
    """Issue 24 item 1: a trailing comma on the first data row once made the first column the index (the
    target read as 100% missing, exit 0). A trailing empty cell is read as no cell, streamed and in memory;
    batch predict, which writes each line back, refuses it rather than shift the appended columns."""
    lines = GOOD.splitlines()
    rows = [lines[0]] + [line + ("," if where == "every row" or n == 0 else "") for n, line in enumerate(lines[1:])]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "g.csv").write_text(GOOD)
    fits = {}
    for name in ("t.csv", "g.csv"):
        for mode in ("--stream", "--no-stream"):
            result = CliRunner().invoke(app, ["fit", "-F", "bmi,hiv", "--data", str(tmp_path / name), mode,
                                              "--out", str(tmp_path / "m.joblib"), "--format", "json"])
            assert result.exit_code == 0, result.stderr
            fits[name, mode] = json.loads(result.stdout)["coefficients"]
    assert all(fits["t.csv", mode] == fits["g.csv", mode] for mode in ("--stream", "--no-stream"))
    info = CliRunner().invoke(app, ["data", "info", "--data", str(tmp_path / "t.csv"), "--format", "json"])
    assert info.exit_code == 0 and "life_expectancy" in info.stdout
    predicted = CliRunner().invoke(app, ["predict", "-m", "tim-bmi", "--input", str(tmp_path / "t.csv")])
    assert predicted.exit_code == 1 and "line 2 has 6 cells" in predicted.stderr and predicted.stdout == ""


def test_select_over_all_candidates_leaves_out_an_empty_column(tmp_path):
    """Issue 24 item 10: one entirely empty column once failed the whole search ("has no values"); it is
    left out, with a note, and the search runs over the others."""
    rows = ["country,bmi,hiv,empty,life_expectancy"] + [f"C{i % 6},{20 + i % 7},{i % 3},,{60 + i % 11}"
                                                       for i in range(48)]
    (tmp_path / "e.csv").write_text("\n".join(rows) + "\n")
    result = CliRunner().invoke(app, ["select", "--data", str(tmp_path / "e.csv"), "--format", "json", "-q"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["candidates"] == ["bmi", "hiv"]
    assert "left out empty: no values" in result.stderr


@pytest.mark.parametrize("mode", ["--stream", "--no-stream"])
def test_a_value_beyond_the_data_limit_is_refused_when_read(tmp_path, mode):
    """Issue 24 item 7: a BMI of 1e20 was trained on, then saving said "refit it". The readers refuse it,
    naming the row, before any work; the limit is the one the model file holds (limits.MAX_DATA_VALUE)."""
    from lifeexp_cli import limits

    assert limits.MAX_DATA_VALUE <= limits.MAX_DOMAIN_VALUE
    rows = ["country,bmi,hiv,life_expectancy"] + [f"C{i % 9},{20 + i % 7},{i % 3},{60 + i % 11}" for i in range(60)]
    rows[5] = "C1,1e20,1,60"
    (tmp_path / "v.csv").write_text("\n".join(rows) + "\n")
    result = CliRunner().invoke(app, ["fit", "-F", "bmi,hiv", "--data", str(tmp_path / "v.csv"), mode,
                                      "--out", str(tmp_path / "m.joblib")])
    assert result.exit_code == 1 and not (tmp_path / "m.joblib").exists()
    assert "column bmi holds 1e+20 in row 6, too large" in result.stderr and "refit" not in result.stderr
    rows[5] = "C1,1e15,1,60"  # at the limit: fitted and saved
    (tmp_path / "v.csv").write_text("\n".join(rows) + "\n")
    result = CliRunner().invoke(app, ["fit", "-F", "bmi,hiv", "--data", str(tmp_path / "v.csv"), mode,
                                      "--out", str(tmp_path / "m.joblib"), "-q"])
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("mode", ["--stream", "--no-stream"])
def test_parquet_without_pyarrow_names_the_extra(tmp_path, mode):
    """Issue 24 item 6: in a base install (no pyarrow) `fit --data x.parquet` gave an ImportError
    traceback; it says which extra to install, in one line."""
    pytest.importorskip("pyarrow")
    import pandas as pd

    pd.DataFrame({"bmi": [20.0, 25, 30, 22], "life_expectancy": [60.0, 70, 75, 66]}).to_parquet(tmp_path / "x.parquet")
    script = ("import sys; sys.modules['pyarrow'] = sys.modules['pyarrow.parquet'] = None; "
              "from lifeexp_cli.cli.main import main; sys.argv = ['lifeexp', *sys.argv[1:]]; main()")
    proc = subprocess.run([sys.executable, "-c", script, "fit", "-F", "bmi", "--data", str(tmp_path / "x.parquet"),
                           mode, "--out", str(tmp_path / "m.joblib")], capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        "Error: reading Parquet needs pyarrow, which comes with the dask extra: pip install 'lifeexp[dask]'"]
