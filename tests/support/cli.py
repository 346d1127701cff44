"""Running lifeexp in a test: in-process through Typer's CliRunner (`run_cli`), or as a real process
(`run_process`). Both fail the test on a traceback in the output or an exception that escaped the command
(the one error boundary in cli/main.py turns every failure into a line and an exit code), and check the
exit code when given one (`code=None`: any code, for tests that check it themselves)."""

from __future__ import annotations

import subprocess
import traceback

import pytest
from typer.testing import CliRunner, Result

from lifeexp_cli.cli.main import app


def shown(args) -> str:
    return "lifeexp " + " ".join(str(a) for a in args)


def outputs(stdout, stderr) -> str:
    return f"\n--- stdout:\n{stdout}\n--- stderr:\n{stderr}"


def refuse_tracebacks(command: str, stdout, stderr) -> None:
    for name, text in (("stdout", stdout), ("stderr", stderr)):
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        if text and "Traceback" in text:
            pytest.fail(f"`{command}` printed a traceback on {name}{outputs(stdout, stderr)}")


def run_cli(*args, input: str | bytes | None = None, env: dict | None = None, code: int | None = 0) -> Result:
    """`lifeexp ARGS` in this process (stdout and stderr kept apart); its exit code must be `code`."""
    result = CliRunner().invoke(app, [str(a) for a in args], input=input, env=env)
    command = shown(args)
    escaped = result.exception
    if escaped is not None and not isinstance(escaped, SystemExit):
        where = "".join(traceback.format_exception(escaped))
        pytest.fail(f"`{command}` raised {escaped!r}:\n{where}{outputs(result.stdout, result.stderr)}")
    refuse_tracebacks(command, result.stdout, result.stderr)
    if code is not None and result.exit_code != code:
        pytest.fail(f"`{command}` exited {result.exit_code}, not {code}{outputs(result.stdout, result.stderr)}")
    return result


def run_process(argv: list, *, code: int | None = None, timeout: float = 120, **popen) -> subprocess.CompletedProcess:
    """`argv` in a real process, its output captured as text unless `popen` says otherwise (stdout=...)."""
    popen.setdefault("text", "encoding" not in popen)
    if not {"stdout", "stderr"} & set(popen):
        popen["capture_output"] = True
    argv = [str(a) for a in argv]
    done = subprocess.run(argv, timeout=timeout, **popen)
    command = " ".join(argv)
    refuse_tracebacks(command, done.stdout, done.stderr)
    if code is not None and done.returncode != code:
        pytest.fail(f"`{command}` exited {done.returncode}, not {code}{outputs(done.stdout, done.stderr)}")
    return done
