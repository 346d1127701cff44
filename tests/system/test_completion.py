"""Shell completion in a real bash: the script `_LIFEEXP_COMPLETE=bash_source lifeexp` prints (click 8's
spelling; Typer's `source_bash` works too), feature names for --features and model names for --model.
`--install-completion` writes into a temporary HOME, never the real one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lifeexp_cli.cli import completion

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.skipif(shutil.which("bash") is None or not (BIN / "lifeexp").exists(),
                                reason="needs bash and the installed lifeexp script")


def env(**extra) -> dict:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **extra}


def complete_in_bash(words: list[str], tmp_path: Path) -> list[str]:
    """What Tab offers after `words` (the last one being completed), through the sourced script."""
    script = ('source <(_LIFEEXP_COMPLETE=bash_source lifeexp)\n'
              f'COMP_WORDS=({" ".join(words)}); COMP_CWORD={len(words) - 1}\n'
              '_lifeexp_completion lifeexp\nprintf "%s\\n" "${COMPREPLY[@]}"\n')
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env(), cwd=tmp_path,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


@pytest.mark.parametrize("spelling", ["bash_source", "source_bash"])
def test_the_completion_script_in_both_spellings(spelling):
    done = subprocess.run(["lifeexp"], capture_output=True, text=True, env=env(_LIFEEXP_COMPLETE=spelling),
                          timeout=60)
    assert done.returncode == 0 and "complete -o default -F _lifeexp_completion lifeexp" in done.stdout


def test_bash_completes_commands_features_and_models(tmp_path):
    assert complete_in_bash(["lifeexp", "da"], tmp_path) == ["data"]
    assert complete_in_bash(["lifeexp", "fit", "--features", "bm"], tmp_path) == ["bmi"]
    assert "bmi,hiv_aids" in complete_in_bash(["lifeexp", "fit", "--features", "bmi,hi"], tmp_path)
    assert complete_in_bash(["lifeexp", "predict", "--model", "tom"], tmp_path) == ["tom", "tom-gdp"]
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "mine.joblib").write_bytes(b"")
    assert complete_in_bash(["lifeexp", "plot", "--model", "mi"], tmp_path) == ["mine"]


def test_install_completion_writes_into_home(tmp_path):
    # Typer finds the shell to install for among the process's ancestors (shellingham), and then ignores the
    # "bash" written after the flag: a run with no shell among them (a test suite started as a background job
    # whose shell has exited, so the runner's parent is init) got "Shell None is not supported.", exit 1.
    # Typer's own switch makes the flag take the shell as its value, so the test no longer depends on who
    # started it.
    done = subprocess.run(["lifeexp", "--install-completion", "bash"], capture_output=True, text=True,
                          env=env(HOME=str(tmp_path), SHELL="/bin/bash",
                                  _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1"), timeout=60)
    assert done.returncode == 0, done.stderr
    assert "_LIFEEXP_COMPLETE" in (tmp_path / ".bash_completions" / "lifeexp.sh").read_text()
    assert ".bash_completions/lifeexp.sh" in (tmp_path / ".bashrc").read_text()


def test_feature_completion_skips_what_is_already_listed_and_offers_all_first():
    assert "all" in completion.features("")
    assert completion.features("bmi,bm") == []
    assert completion.features("hiv,a") == ["hiv,adult_mortality", "hiv,alcohol", "hiv,adult"]
    assert completion.features("HIV") == ["hiv_aids", "hiv"]


def test_model_completion_of_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.joblib").write_bytes(b"")
    (tmp_path / "sub" / "notes.txt").write_text("")
    assert completion.models("./") == ["./sub/"]
    assert completion.models("sub/") == ["sub/a.joblib"]
    assert completion.models("nowhere/") == []


def test_bash_completes_the_feature_options_of_the_model_given(tmp_path):
    """predict's feature options are not declared (they depend on the model): completion offers the
    features of the model named with --model, and their aliases."""
    offered = complete_in_bash(["lifeexp", "predict", "--model", "tom", "--sch"], tmp_path)
    assert offered == ["--scheduler", "--schooling", "--school"]  # predict's own option, then tom's
    assert complete_in_bash(["lifeexp", "predict", "--model", "tim", "--sch"], tmp_path) == ["--scheduler"]
    assert "--lev" not in completion.feature_flags("tim") and "--bmi" in completion.feature_flags(None)
