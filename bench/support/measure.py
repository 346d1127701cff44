"""Run a command in a child process; measure its wall time, CPU time and peak resident memory (its own,
via wait4).

Children run without PYTHONDONTWRITEBYTECODE (some sandboxes set it): like any normal installation,
lifeexp's modules then have cached bytecode, as numpy's and pandas' have from pip.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from dataclasses import dataclass, field


@dataclass
class Runs:
    label: str
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> float:
        return max(self.peak_mb)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def child_env(env: dict | None = None) -> dict:
    env = dict(os.environ if env is None else env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_once(command: list[str], stdout=subprocess.DEVNULL, env: dict | None = None) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds) of one run; fails loudly if the command fails."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE, env=child_env(env))
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    check_finished(child, command, status)
    # ru_maxrss: KiB on Linux; reported in MB (10⁶ bytes), the unit the files' sizes are given in
    return seconds, usage.ru_maxrss * 1024 / 1e6, usage.ru_utime + usage.ru_stime


def check_finished(child: subprocess.Popen, command: list[str], status: int) -> None:
    """After os.wait4 reaped `child` (stderr piped): its stderr closed, and a failure raised with its end."""
    error = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({child.returncode}): {error.strip()[-500:]}")


def interleaved(commands: dict[str, list[str]], repeat: int, stdout_to: dict[str, str] | None = None,
                env: dict | None = None, warm_up: bool = False) -> dict[str, Runs]:
    """Each command `repeat` times, taking turns, so a change in machine load hits all of them alike
    (after one untimed run of each with `warm_up`: bytecode caches, page cache)."""
    runs = {label: Runs(label) for label in commands}
    for label, command in commands.items() if warm_up else ():
        with open((stdout_to or {}).get(label, os.devnull), "wb") as sink:
            run_once(command, sink, env)
    for _ in range(repeat):
        for label, command in commands.items():
            target = (stdout_to or {}).get(label)
            if target:
                with open(target, "wb") as sink:
                    seconds, peak, cpu = run_once(command, sink, env)
            else:
                seconds, peak, cpu = run_once(command, env=env)
            runs[label].seconds.append(seconds)
            runs[label].peak_mb.append(peak)
            runs[label].cpu.append(cpu)
    return runs


def machine() -> dict:
    """nproc, CPU model, memory and load: the context every figure needs."""
    model = ""
    try:
        with open("/proc/cpuinfo") as info:
            model = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
        with open("/proc/meminfo") as info:
            total = next(int(line.split()[1]) for line in info if line.startswith("MemTotal"))
    except OSError:
        total = 0
    return {"nproc": os.cpu_count(), "cpu": model, "memory_gib": round(total / 1024**2, 1),
            "load_average": [round(x, 2) for x in os.getloadavg()]}
