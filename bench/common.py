"""Shared helpers of the benchmark: run a step in its own process under ``/usr/bin/time -v``, summarise runs.

Every heavy step is a separate process so that its peak RSS is its own (``Maximum resident set size``) and no
warm cache of one step flatters the next. A step prints one line ``BENCH {json}`` on stdout with its own phase
timings; the harness adds the wall time and peak RSS measured by ``time``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = sys.executable
TIME = "/usr/bin/time"
MARK = "BENCH "


def emit(payload: dict) -> None:
    """Called by a step script: hands its measurements to the harness."""
    print(MARK + json.dumps(payload), flush=True)


class Stopwatch:
    """Named phase timings of one step: ``with sw("parse"): ...``."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}

    def __call__(self, name: str) -> _Phase:
        return _Phase(self, name)


class _Phase:
    def __init__(self, sw: Stopwatch, name: str) -> None:
        self.sw, self.name = sw, name

    def __enter__(self) -> None:
        self.t0 = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.sw.phases[self.name] = self.sw.phases.get(self.name, 0.0) + time.perf_counter() - self.t0


@dataclass
class StepResult:
    """One process: wall seconds and peak RSS from ``time -v``, the step's own payload, exit status."""

    argv: list[str]
    ok: bool
    wall: float
    peak_rss_mb: float
    payload: dict = field(default_factory=dict)
    returncode: int = 0
    tail: str = ""


def django_env(settings: str = "cxapp.settings.test", **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = settings
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("SECRET_KEY", "bench-key-not-secret")
    env.setdefault("UPLOAD_ROOT", str(OUT / "uploads"))
    env.update(extra)
    return env


def step_run(
    argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 3600, log: Path | None = None
) -> StepResult:
    """Runs ``argv`` under ``/usr/bin/time -v``; returns wall time, peak RSS and the step's ``BENCH`` payload."""
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
        time_file = Path(tf.name)
    cmd = [TIME, "-v", "-o", str(time_file), *argv]
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
        returncode, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        returncode, stdout, stderr = -9, _text(exc.stdout), _text(exc.stderr) + f"\ntimed out after {timeout} s"
    elapsed = time.perf_counter() - started
    facts = time_file.read_text(errors="replace") if time_file.exists() else ""
    time_file.unlink(missing_ok=True)
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as fh:
            fh.write(f"$ {' '.join(argv)}\n{stdout}\n{stderr}\n{facts}\n")
    payload: dict = {}
    for line in stdout.splitlines():
        if line.startswith(MARK):
            payload.update(json.loads(line[len(MARK) :]))
    return StepResult(
        argv=argv,
        ok=returncode == 0,
        wall=_wall(facts) or elapsed,
        peak_rss_mb=_rss_mb(facts),
        payload=payload,
        returncode=returncode,
        tail="\n".join((stdout + "\n" + stderr).strip().splitlines()[-15:]),
    )


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _wall(facts: str) -> float | None:
    match = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", facts)
    if not match:
        return None
    seconds = 0.0
    for part in match.group(1).split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def _rss_mb(facts: str) -> float:
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", facts)
    return int(match.group(1)) / 1024 if match else float("nan")


@dataclass
class Summary:
    """Median and spread (min-max) of repeated measurements."""

    values: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def low(self) -> float:
        return min(self.values) if self.values else float("nan")

    @property
    def high(self) -> float:
        return max(self.values) if self.values else float("nan")

    def fmt(self, unit: str = "s", digits: int = 2) -> str:
        if not self.values:
            return "-"
        if len(self.values) == 1:
            return f"{self.median:.{digits}f} {unit} (1 run)"
        return (
            f"{self.median:.{digits}f} {unit} ({self.low:.{digits}f}-{self.high:.{digits}f}, {len(self.values)} runs)"
        )


def machine_facts() -> dict[str, str]:
    """CPU model, cores, RAM, load and the versions that matter, for the head of RESULTS.md."""
    facts: dict[str, str] = {}
    cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace") if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    facts["CPU"] = model.group(1).strip() if model else "unknown"
    facts["cores"] = str(os.cpu_count())
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
    facts["RAM"] = f"{int(mem.group(1)) / 1024**2:.1f} GiB" if mem else "unknown"
    facts["load average at start"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    facts["Python"] = sys.version.split()[0]
    versions = subprocess.run(
        [
            PY,
            "-c",
            "import numpy, pandas, pyarrow, django, scipy;"
            "print(numpy.__version__, pandas.__version__, pyarrow.__version__, django.__version__, scipy.__version__)",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    for name, version in zip(("numpy", "pandas", "pyarrow", "Django", "scipy"), versions, strict=False):
        facts[name] = version
    pg_bin = os.environ.get("MOMENTUM_PG_BIN", "")
    postgres = Path(pg_bin) / "postgres" if pg_bin else None
    if postgres and postgres.exists():
        facts["PostgreSQL"] = subprocess.run(
            [str(postgres), "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    wrk = shutil.which("wrk")
    facts["wrk"] = (
        subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False).stdout.split("\n")[0].strip()
        if wrk
        else "not installed"
    )
    return facts


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])
