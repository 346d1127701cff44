"""Rewrite the outputs shown in docs/tutorial.md and in the README's tour from what the commands print.

    python docs/make_tutorial.py          (or: make docs; --check: change nothing, exit 1 when stale)

docs/tutorial.md. Each output block is a ```text block directly preceded by a marker naming its command:

    <!-- run: lifeexp cv --features gdp,income,schooling | tail 1 -->
    ```text
    (rewritten: the command's output)
    ```

After the `|`, comma-separated options: `head N` / `tail N` keep the first / last N lines; `stderr`
shows stderr instead of stdout; `exit N` expects that exit code (else 0 is required); `no-test` marks
an output tests/cli/test_tutorial.py does not run or compare (a long run or machine-dependent output;
the test lists each such command). The commands run in the order they appear, each once (a second
block with the same command shows another part of the same output), in one empty temporary folder
that holds a copy of the WHO file as `life_expectancy_who.csv`, with a fresh user data folder
($XDG_DATA_HOME), no $LIFEEXP_DATA or $LIFEEXP_MODELS, and COLUMNS=80: files a command writes (a
model, `models/best.joblib`) are there for the commands after it, and the tutorial's first command
installs the dataset, so the rest read it as a user's would after `lifeexp data install FILE`. In the
output, that data folder reads `~/.local/share` and this repository's path is dropped (the shipped
models read `models/tim.joblib`). Every `lifeexp` line of a ```sh block must have a marker
(unmarked(): the test checks it).

README.md keeps tests/cli/test_docs.py's convention: a ```sh block of one `lifeexp` line directly
followed by a ```text block is run from the repository's root, without the dataset, and the block
rewritten from its stdout.
"""


import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"
README = ROOT / "README.md"
DATA_NAME = "life_expectancy_who.csv"
SHOWN_DATA_HOME = "~/.local/share"

MARKER = re.compile(r"<!-- run: (lifeexp [^|>]*?)\s*(?:\|\s*([^>]*?))?\s*-->\n```text\n(.*?)```", re.DOTALL)
TOUR_BLOCK = re.compile(r"```sh\n(lifeexp [^\n]*)\n```\s*\n```text\n(.*?)```", re.DOTALL)
SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class Block:
    """One output block of a markdown file: the command, how to show its output, where it sits."""

    command: str
    expected: str  # the block's text now
    span: tuple[int, int]  # of the text inside the fences
    options: dict = field(default_factory=dict)

    @property
    def tested(self) -> bool:
        return not self.options.get("no-test")


def parse_options(text: str | None) -> dict:
    """"tail 1, stderr" -> {"tail": 1, "stderr": True}."""
    options = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        name, _, value = item.partition(" ")
        if name not in ("head", "tail", "stderr", "exit", "no-test"):
            raise ValueError(f"unknown option {name!r} in a run marker: {text!r}")
        options[name] = int(value) if value.strip() else True
    return options


def tutorial_blocks(markdown: str) -> list[Block]:
    return [Block(m.group(1).strip(), m.group(3), m.span(3), parse_options(m.group(2)))
            for m in MARKER.finditer(markdown)]


def readme_blocks(markdown: str) -> list[Block]:
    return [Block(m.group(1).strip(), m.group(2), m.span(2)) for m in TOUR_BLOCK.finditer(markdown)]


def unmarked(markdown: str) -> list[str]:
    """`lifeexp` lines of ```sh blocks without a run marker for the same command."""
    marked = {block.command for block in tutorial_blocks(markdown)}
    lines = [line.strip() for body in SH_BLOCK.findall(markdown) for line in body.splitlines()]
    return [line for line in lines if line.startswith("lifeexp ") and line not in marked]


def workspace(folder: Path, data: Path) -> dict:
    """Prepare `folder` as the tutorial's reader starts out; the environment its commands run in."""
    shutil.copyfile(data, folder / DATA_NAME)
    (folder / "data-home").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("LIFEEXP_DATA", "LIFEEXP_MODELS")}
    env.update(COLUMNS="80", XDG_DATA_HOME=str(folder / "data-home"))
    return env


def run(command: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    args = shlex.split(command)[1:]
    return subprocess.run([sys.executable, "-m", "lifeexp_cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=1200)


def shown(done: subprocess.CompletedProcess, options: dict, replacements: dict[str, str]) -> str:
    """The part of a finished command's output a block shows, as it shows it."""
    wanted = options.get("exit", 0)
    if done.returncode != wanted:
        raise RuntimeError(f"`{' '.join(done.args[3:])}` exited {done.returncode}, not {wanted}: {done.stderr}")
    text = done.stderr if options.get("stderr") else done.stdout
    text = text.replace("python -m lifeexp_cli", "lifeexp")
    for old, new in replacements.items():
        text = text.replace(old, new)
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    if "head" in options:
        lines = lines[:options["head"]]
    if "tail" in options:
        lines = lines[-options["tail"]:]
        if mid_sentence(lines):
            raise RuntimeError(f"`{' '.join(done.args[3:])}`: tail {options['tail']} starts mid-sentence at "
                               f"{lines[0]!r} (a line wrapped at 80 columns): show more lines")
    return "\n".join(lines) + "\n"


def mid_sentence(lines: list[str]) -> bool:
    """Whether the first of the last lines kept is the end of a sentence Rich wrapped at 80 columns: it starts
    lower case ("without)", the end of cv's last line), where a line the tool begins starts with a capital."""
    first = lines[0].lstrip() if lines else ""
    return first[:1].islower()


def tutorial_outputs(blocks: list[Block], data: Path, tested_only: bool = False) -> list[str | None]:
    """Each block's fresh output (None for a block skipped because tested_only and it is not tested)."""
    outputs, finished = [], {}
    with tempfile.TemporaryDirectory(prefix="lifeexp-tutorial-") as name:
        folder = Path(name).resolve()
        env = workspace(folder, data)
        replacements = {str(folder / "data-home"): SHOWN_DATA_HOME, f"{ROOT}{os.sep}": "", str(folder): "."}
        for block in blocks:
            if tested_only and not block.tested:
                outputs.append(None)
                continue
            if block.command not in finished:
                finished[block.command] = run(block.command, folder, env)
            outputs.append(shown(finished[block.command], block.options, replacements))
    return outputs


def readme_outputs(blocks: list[Block]) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LIFEEXP_DATA", "LIFEEXP_MODELS")}
    env["COLUMNS"] = "80"
    return [shown(run(block.command, ROOT, env), {}, {}) for block in blocks]


def rewritten(markdown: str, blocks: list[Block], outputs: list[str | None]) -> str:
    """The markdown with each block's text replaced by its output (None keeps it)."""
    parts, at = [], 0
    for block, output in zip(blocks, outputs):
        start, end = block.span
        parts += [markdown[at:start], block.expected if output is None else output]
        at = end
    return "".join(parts) + markdown[at:]


def dataset() -> Path:
    """$LIFEEXP_DATA, else ../shared/data beside the repository (as the tests look for it)."""
    given = os.environ.get("LIFEEXP_DATA")
    return Path(given) if given else (ROOT / "../shared/data" / DATA_NAME).resolve()


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, blocks_of in ((TUTORIAL, tutorial_blocks), (README, readme_blocks)):
        markdown = path.read_text(encoding="utf-8")
        if path == TUTORIAL and not dataset().is_file():
            print(f"{path.relative_to(ROOT)}: not rewritten, its commands need the WHO dataset "
                  f"(set LIFEEXP_DATA; looked at {dataset()})")
            continue
        if path == TUTORIAL and (missing := unmarked(markdown)):
            raise SystemExit(f"{path.name}: commands without a run marker: {missing}")
        blocks = blocks_of(markdown)
        outputs = tutorial_outputs(blocks, dataset()) if path == TUTORIAL else readme_outputs(blocks)
        changed = [b.command for b, o in zip(blocks, outputs) if o != b.expected]
        if changed:
            stale.append(path)
            print(f"{path.relative_to(ROOT)}: {len(changed)} of {len(blocks)} outputs changed: " + "; ".join(changed))
            if not check:
                path.write_text(rewritten(markdown, blocks, outputs), encoding="utf-8")
        else:
            print(f"{path.relative_to(ROOT)}: all {len(blocks)} outputs current")
    return 1 if check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
