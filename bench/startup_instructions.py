"""Start-up in instructions: the fast commands, the WHO fit (bench/performance.py --only who: start-up, the
fit, the file, the output) and `python -c "import numpy"` counted by valgrind's
callgrind, which the load of a shared machine does not change (wall-time ratios do: bench/performance.py
--only startup). Needs valgrind (apt-get install valgrind); each command runs once unmeasured first, so
that its modules' bytecode is cached, then once under callgrind (a few seconds each; without valgrind
it says so and counts nothing).

    .venv/bin/python bench/startup_instructions.py
    .venv/bin/python bench/startup_instructions.py --against /tmp/base   # also a tree made by
        # git archive COMMIT lifeexp_cli models | tar -x -C /tmp/base, as the before of a change
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import measure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
FROM_TREE = "import sys; sys.path.insert(0, sys.argv.pop(1)); from lifeexp_cli.cli.main import main; sys.exit(main())"
COMMANDS = {
    "predict --model tim --bmi 24.1": ["predict", "--model", "tim", "--bmi", "24.1"],
    "predict --model tim --bmi 24.1 --format json": ["predict", "--model", "tim", "--bmi", "24.1", "--format", "json"],
    "predict (bench/performance.py's three features)": ["predict", "--model", "tim", "--bmi", "24.1",
                                                        "--adult-mortality", "53", "--hiv", "0.1"],
    "compare": ["compare"],
    "--help": ["--help"],
}
WHO = os.environ.get("LIFEEXP_DATA") or str(ROOT / "../shared/data/life_expectancy_who.csv")


def instructions(command: list[str]) -> int:
    """The instructions callgrind counts in one run of `command` (its bytecode cached by a run before)."""
    env = {**measure.child_env(), "PYTHONHASHSEED": "0"}  # the same dict layouts run after run
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/out", *command],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="DIR", help="also count the lifeexp source tree in DIR (lifeexp_cli/, models/)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:  # `make bench` runs every script: say so, and count nothing
        print("valgrind is not installed (apt-get install valgrind): no instructions counted")
        return
    numpy = instructions([PY, "-c", "import numpy"])
    trees = {"this tree": str(ROOT), **({"against": args.against} if args.against else {})}
    print(f'python -c "import numpy": {numpy / 1e6:.1f}M instructions (load average {os.getloadavg()[0]:.1f}: '
          "no matter)")
    print(f"{'command':50} " + " ".join(f"{name:>22}" for name in trees))
    commands = dict(COMMANDS)
    if Path(WHO).is_file():  # issue 7's WHO fit end to end, counted as the start-ups are
        with tempfile.TemporaryDirectory() as folder:
            commands["fit WHO bmi,adult_mortality,hiv"] = ["fit", "--data", WHO, "--features", "bmi,adult_mortality,hiv",
                                                          "--quiet", "--out", f"{folder}/who.joblib"]
            count(commands, trees, numpy)
    else:
        print(f"(no WHO dataset at {WHO}: set LIFEEXP_DATA to count the fit)")
        count(commands, trees, numpy)


def count(commands: dict, trees: dict, numpy: int) -> None:
    for label, arguments in commands.items():
        counts = [instructions([PY, "-c", FROM_TREE, tree, *arguments]) for tree in trees.values()]
        print(f"{label:50} " + " ".join(f"{n / 1e6:9.1f}M = {n / numpy:5.3f}×" for n in counts))


if __name__ == "__main__":
    main()
