"""Ctrl-C and SIGTERM: the run unwinds (temporary files removed, a model file never half-written) and ends with
exit 130 or 143 (128 + the signal's number), as a shell reports a process ended by it.

SIGTERM is raised like Ctrl-C (Terminated, a KeyboardInterrupt). Both are counted as they arrive, so that an
error raised after one is reported as the interrupt it came from: a library may turn the interrupt into an
error of its own (pandas' C parser, interrupted while it calls a Python file's `read`, sometimes reports
"Calling read(nbytes) on source failed", which lifeexp would call an unreadable CSV)."""

from __future__ import annotations

import signal

EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM

ARRIVED: list[int] = []  # the signals handled so far in this process, in order (appended by the handlers)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: unwinds like Ctrl-C, so every cleanup that handles an interrupt runs."""


def _raise_interrupted(signum, frame):
    ARRIVED.append(signum)
    raise KeyboardInterrupt


def _raise_terminated(signum, frame):
    ARRIVED.append(signum)
    raise Terminated()


def handle_signals() -> None:
    """Count Ctrl-C and raise KeyboardInterrupt as Python does, and raise Terminated on SIGTERM; a signal
    the caller set otherwise (ignored, or a handler of its own) stays as it is."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _raise_interrupted)
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_terminated)


def arrived_since(seen: int) -> BaseException | None:
    """The interrupt of the last signal handled after the first `seen` (len(ARRIVED) at some earlier time),
    or None when none arrived since."""
    if len(ARRIVED) <= seen:
        return None
    return Terminated() if ARRIVED[-1] == signal.SIGTERM else KeyboardInterrupt()


def interruption(exc: BaseException | None) -> tuple[str, int]:
    """The message and exit code for an interrupt (KeyboardInterrupt or Terminated) `exc`."""
    kept = "a model file is only ever replaced whole, never half-written"
    if isinstance(exc, Terminated):
        return f"terminated (SIGTERM): {kept}", EXIT_TERMINATED
    return f"interrupted (Ctrl-C): {kept}", EXIT_INTERRUPTED
