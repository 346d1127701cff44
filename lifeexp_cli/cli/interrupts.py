"""SIGTERM handled like Ctrl-C: the run unwinds (temporary files removed, a model file never half-written)
and ends with exit 143 (128 + 15), as a shell reports a process ended by SIGTERM."""

from __future__ import annotations

import signal

EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: unwinds like Ctrl-C, so every cleanup that handles an interrupt runs."""


def _raise_terminated(signum, frame):
    raise Terminated()


def terminate_like_interrupt() -> None:
    """Raise Terminated on SIGTERM, unless SIGTERM is ignored (then the caller wanted it ignored)."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_terminated)


def interruption(exc: BaseException | None) -> tuple[str, int]:
    """The message and exit code for an interrupt (KeyboardInterrupt or Terminated) `exc`."""
    kept = "a model file is only ever replaced whole, never half-written"
    if isinstance(exc, Terminated):
        return f"terminated (SIGTERM): {kept}", EXIT_TERMINATED
    return f"interrupted (Ctrl-C): {kept}", EXIT_INTERRUPTED
