"""A deterministic point inside a run, for tests that stop, signal or kill something at that point (a Dask
cluster starting up, a task running) instead of after a guessed delay.

`environment(tmp, event, match)` gives the environment of a process to pause: its PYTHONPATH leads to a
sitecustomize.py, which Python imports at start-up in that process and in every process it spawns with the
same environment (the worker processes of a local Dask cluster). There an audit hook waits for the first
audit `event` whose arguments mention `match` ("open" of "part01.csv": a worker starting that part's task;
"socket.bind" of "127.0.0.1" in a local cluster's worker process: the worker starting). Then it creates the file READY.PID and
holds that thread until the file RELEASE exists (or ends the process without a word once its parent is
gone: a held worker whose lifeexp process was signalled ends as its nanny would end it). The test waits for READY.PID
of one process or more (`wait_for`), does what it tests, and creates RELEASE. No hook in lifeexp itself.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

HOOK = '''\
import os, sys, time

_event = os.environ.get("LIFEEXP_TEST_PAUSE_EVENT")
if _event and str(os.getppid()) != os.environ.get("LIFEEXP_TEST_PAUSE_NOT_CHILD_OF"):
    _match, _ready, _release = (os.environ[f"LIFEEXP_TEST_PAUSE_{k}"] for k in ("MATCH", "READY", "RELEASE"))
    _parent, _fired = os.getppid(), []

    def _pause(event, args):
        if event != _event or _fired or _match not in repr(args):
            return
        _fired.append(True)
        with open(f"{_ready}.{os.getpid()}.new", "w"):
            pass
        os.replace(f"{_ready}.{os.getpid()}.new", f"{_ready}.{os.getpid()}")
        while not os.path.exists(_release):
            if os.getppid() != _parent:  # the parent is gone (signalled, killed): end as its child would
                os._exit(0)
            time.sleep(0.05)

    sys.addaudithook(_pause)
'''
READY_TIMEOUT = 180.0  # seconds for the point to be reached: generous, for a busy machine


def environment(where: Path, event: str, match: str, spawned_only: bool = False) -> tuple[dict, Path, Path]:
    """(env, ready, release): the environment of a process that pauses at `event` mentioning `match`;
    spawned_only: only the processes it starts pause (a local cluster's workers), not itself."""
    folder = where / "pause-hook"
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(HOOK)
    ready, release = where / "pause-ready", where / "pause-release"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")])),
           "LIFEEXP_TEST_PAUSE_EVENT": event, "LIFEEXP_TEST_PAUSE_MATCH": match,
           "LIFEEXP_TEST_PAUSE_READY": str(ready), "LIFEEXP_TEST_PAUSE_RELEASE": str(release)}
    if spawned_only:  # the process started with this environment is a child of this one (the test)
        env["LIFEEXP_TEST_PAUSE_NOT_CHILD_OF"] = str(os.getpid())
    return env, ready, release


def wait_for(ready: Path, *running, count: int = 1) -> None:
    """Until `count` processes have reached the point (each writes READY.PID); fails if one of the `running`
    processes (Popen) ends first, or after READY_TIMEOUT."""
    import pytest

    deadline = time.monotonic() + READY_TIMEOUT
    while len([p for p in ready.parent.glob(ready.name + ".*") if not p.name.endswith(".new")]) < count:
        ended = [p for p in running if p.poll() is not None]
        if ended:
            pytest.fail(f"`{' '.join(map(str, ended[0].args[:6]))}` ended (exit {ended[0].returncode}) before the "
                        f"point the test waits for: {ended[0].communicate()[1] if ended[0].stderr else ''}")
        if time.monotonic() > deadline:
            pytest.fail(f"the point the test waits for was not reached within {READY_TIMEOUT:.0f} s")
        time.sleep(0.05)
