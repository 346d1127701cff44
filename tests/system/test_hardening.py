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
         {"nt.csv": text("bmi,bmi,life_expectancy\n0.0,0.0,\n")}),
    Case("eval without a target row", ["eval", "-m", "tim-bmi", "--data", "nt.csv"], 1,
         "no row with a value of life_expectancy", {"nt.csv": text("bmi,life_expectancy\n20,\n")}),
    Case("duplicated features", ["fit", "-F", "bmi,bmi", "--data", "d.csv"], 2, "named twice",
         {"d.csv": text(GOOD)}),
    Case("alias duplicate", ["fit", "-F", "hiv,hiv_aids", "--data", "d.csv"], 2, "twice",
         {"d.csv": text(GOOD.replace("hiv", "hiv_aids"))}),
    Case("more features than rows", ["fit", "-F", "a,b,c", "--data", "f.csv"], 1, "only 2 rows",
         {"f.csv": text("a,b,c,life_expectancy\n1,2,3,4\n2,1,5,6\n")}),
    Case("one row", ["fit", "-F", "bmi", "--data", "o.csv"], 1, "only 1 rows",
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
        ("no spec", lambda r: r.pop("spec"), ["compare", "--cv", "5", "-m"], [], "field spec is missing"),
        ("epochs 10^12", _adam({"epochs": 10**12, "patience": 10**12, "tol": 0.0}), ["compare", "--cv", "5", "-m"],
         [], "field spec.options.epochs"),
        ("lr 0", _adam({"lr": 0.0}), ["compare", "--cv", "5", "-m"], [], "field spec.options.lr must be > 0"),
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
    Case("a network over the file cap", ["fit", "-F", "bmi", "--model", "mlp", "--hidden", "4096,4096",
                                         "--out", "m.joblib"], 2, "MiB a model file may hold",
         {"m.joblib": model_bytes}),
    Case("select --fit a network over the file cap", ["select", "--candidates", "bmi,hiv", "--model", "mlp",
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
    Case("unknown feature", ["predict", "-m", "tim-bmi", "--gdpp", "3"], 2, "unknown feature"),
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
    Case("--cv 1", ["fit", "-F", "bmi", "--cv", "1"], 2, "at least 2"),
    Case("--cv 500 > countries", ["fit", "-F", "bmi", "--cv", "500"], 2, "fewer folds"),
    Case("--name with --out", ["fit", "-F", "bmi", "--name", "a", "--out", "b.joblib"], 2, "--name or --out"),
    Case("--cv with --test-size", ["fit", "-F", "bmi", "--cv", "5", "--test-size", "0.2"], 2, "not both"),
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
    Case("--hidden 64,abc", ["fit", "-F", "bmi", "--model", "mlp", "--hidden", "64,abc"], 2, "--hidden"),
    Case("--hidden 0", ["fit", "-F", "bmi", "--model", "mlp", "--hidden", "0"], 2, "--hidden"),
    Case("unknown activation", ["fit", "-F", "bmi", "--model", "mlp", "--activation", "foo"], 2, "--activation"),
    Case("--se unknown", ["fit", "-F", "bmi", "--se", "robust"], 2, "--se must be one of"),
    Case("--se with a network", ["fit", "-F", "bmi", "--model", "mlp", "--se", "hc3"], 2, "linear models"),
    Case("--ensemble 0", ["cv", "-F", "bmi", "--model", "mlp", "--ensemble", "0"], 2, "--ensemble"),
    Case("--ensemble 21", ["fit", "-F", "bmi", "--model", "mlp", "--ensemble", "21"], 2, "from 1 to 20"),
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
    Case("--seed -1 in fit --cv", ["fit", "-F", "bmi", "--cv", "5", "--seed", "-1"], 2, "--seed"),
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

CATALOGUE = (DATA_CASES + MODEL_CASES + MODEL_FIELD_CASES + WRITE_CASES + READ_CASES + PREDICT_CASES
             + OPTION_CASES + MARKUP_CASES + ODD_CASES + PEOPLE_CASES
             + INSTALL_CASES)


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
    result = CliRunner().invoke(app, args, input=case.stdin, env={"COLUMNS": "200"})
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == case.code, (result.exit_code, result.stderr, result.exception)
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert case.says in lines[0], lines[0]
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
