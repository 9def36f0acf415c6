"""``make bench``: the DESIGN section 8 workloads, measured side by side, written to bench/RESULTS.md.

    bash .ci/with-services.sh .venv/bin/python bench/run.py [--quick] [--only ingest|analysis|web] [--runs N]

Needs DATABASE_URL (a throwaway PostgreSQL: ``.ci/with-services.sh`` starts one) and ``/usr/bin/time`` and
``wrk`` (installed with apt when missing and running as root). Every heavy step runs in its own process under
``/usr/bin/time -v`` (wall time, peak RSS), at least 3 times (``--quick``: 100k rows, 1 run, for development).

Sections (``--only`` runs one; the others keep their last results from bench/out/results.json):
- ingest: the floor (parse + COPY as is), Momentum end to end (``import_responses`` + ``analyse``), and the
  usual alternatives (ORM ``bulk_create``, django-import-export) on a subsample, extrapolated to the full file;
- analysis: W1 loaded from PostgreSQL and analysed without / with the 200-resample bootstrap, and the engine's
  scaling curve over respondents x moments;
- web: the dashboard page and the results API under 20 concurrent clients (wrk, loopback, gunicorn as in the
  Dockerfile), idle and while an import runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, PY, ROOT, StepResult, django_env, load_average, machine_facts, step_run  # noqa: E402
from bench.report import report_write  # noqa: E402

LOG = OUT / "bench.log"
RESULTS_JSON = OUT / "results.json"
JOURNEY = "w1"
THINK_MS = 1000  # web: mean pause of a simulated user between two requests (the other mode has none)
ORGANISATION = "bench"

FULL = {
    "n": 1_000_000,
    "runs": 3,
    "bulk_create_n": 50_000,
    "import_export_n": 10_000,
    "import_export_runs": 3,
    "curve_n": [10_000, 100_000, 1_000_000],
    "curve_k": [10, 25, 50],
    "web_seconds": 20,
    "web_runs": 3,
}
QUICK = {
    "n": 100_000,
    "runs": 1,
    "bulk_create_n": 5_000,
    "import_export_n": 1_000,
    "import_export_runs": 1,
    "curve_n": [10_000, 100_000],
    "curve_k": [10, 25],
    "web_seconds": 5,
    "web_runs": 1,
}


def say(text: str) -> None:
    stamp = datetime.now(UTC).strftime("%H:%M:%S")
    print(f"[{stamp}] {text}", flush=True)
    with LOG.open("a") as fh:
        fh.write(f"[{stamp}] {text}\n")


# ------------------------------------------------------------------------------------------------------ helpers
def tools_ensure() -> None:
    """``time`` and ``wrk`` from Debian's packages when missing (the bench runs as root on a fresh machine)."""
    missing = [pkg for pkg, path in (("time", "/usr/bin/time"), ("wrk", "/usr/bin/wrk")) if not Path(path).exists()]
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"missing {', '.join(missing)}: apt-get install {' '.join(missing)}")
    say(f"installing {', '.join(missing)} with apt")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env, stdout=subprocess.DEVNULL)


def manage(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env or django_env(), capture_output=True, text=True, check=False
    )
    if check and proc.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def shell(code: str) -> str:
    return manage("shell", "-c", code).stdout.strip()


def sql(statement: str) -> None:
    """Untimed housekeeping between measurements (CHECKPOINT, VACUUM) so runs start from the same state."""
    import psycopg2

    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def settle() -> None:
    sql("CHECKPOINT")


def journey_reset(slug: str) -> None:
    shell(
        "from journeys.models import Journey; "
        f"Journey.objects.filter(slug={slug!r}, organisation__slug={ORGANISATION!r}).delete()"
    )
    sql("VACUUM ANALYZE surveys_response")
    settle()


def journey_rows(slug: str) -> int:
    out = shell(
        "from surveys.models import Response; "
        f"print(Response.objects.filter(survey__journey__slug={slug!r}, "
        f"survey__journey__organisation__slug={ORGANISATION!r}).count())"
    )
    return int(out.splitlines()[-1]) if out else 0


def w1_path(n: int) -> Path:
    path = OUT / f"w1_{n}.csv"
    if not path.exists():
        say(f"generating W1 ({n:,} respondents x 25 moments) into {path.relative_to(ROOT)}")
        subprocess.run([PY, "bench/w1_generate.py", str(path), "--n", str(n)], cwd=ROOT, check=True)
    return path


def subsample(path: Path, rows: int) -> Path:
    out = OUT / f"{path.stem}_head{rows}.csv"
    if not out.exists():
        with path.open() as src, out.open("w") as dst:
            for i, line in enumerate(src):
                if i > rows:
                    break
                dst.write(line)
    return out


def mapping_write(path: Path) -> Path:
    """The W1 mapping (DESIGN section 5 JSON), built from the file's header."""
    header = path.open().readline().strip().split(",")
    mapping = {
        "respondent_id": "respondent_id",
        "submitted_at": "submitted_at",
        "outcome": "ltr",
        "outcome_type": "nps",
        "scale": [1, 10],
        "moments": {c.replace("_", " ").capitalize(): c for c in header if c.startswith("moment_")},
        "segments": {"region": "region", "plan": "plan"},
    }
    out = OUT / "w1_mapping.json"
    out.write_text(json.dumps(mapping, indent=2))
    return out


def import_argv(path: Path, mapping: Path, journey: str) -> list[str]:
    return [
        PY,
        "manage.py",
        "import_responses",
        str(path),
        "--journey",
        journey,
        "--survey",
        "W1",
        "--mapping",
        str(mapping),
        "--organisation",
        ORGANISATION,
    ]


def result_dict(step: StepResult) -> dict:
    return {
        "ok": step.ok,
        "wall": step.wall,
        "rss_mb": step.peak_rss_mb,
        "payload": step.payload,
        "error": "" if step.ok else step.tail,
    }


def entry_missing(*modules_and_names: tuple[str, str]) -> str | None:
    """'not measured: <entry point> missing' when a module or command the step calls is not there yet."""
    code = (
        "import importlib, sys\n"
        "missing = []\n"
        f"for module, name in {list(modules_and_names)!r}:\n"
        "    try:\n"
        "        m = importlib.import_module(module)\n"
        "    except Exception:\n"
        "        missing.append(module); continue\n"
        "    if name and not hasattr(m, name): missing.append(module + '.' + name)\n"
        "print(','.join(missing))\n"
    )
    proc = subprocess.run(
        [PY, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=django_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    missing = proc.stdout.strip() or (proc.stderr.strip().splitlines() or ["?"])[-1] if proc.returncode else ""
    return f"not measured: {missing} missing" if missing else None


# ------------------------------------------------------------------------------------------------------- ingest
def bench_ingest(cfg: dict, w1: Path, mapping: Path) -> dict:
    section: dict = {"n": cfg["n"], "floor": [], "momentum": [], "alternatives": {}, "notes": []}
    missing = entry_missing(
        ("pipeline.management.commands.import_responses", "Command"),
        ("moments.management.commands.analyse", "Command"),
    )
    for run in range(cfg["runs"]):
        settle()
        say(f"ingest run {run + 1}/{cfg['runs']}: floor")
        floor = step_run([PY, "bench/floor.py", str(w1)], env=django_env(), log=LOG)
        section["floor"].append(result_dict(floor))
        sql("DROP TABLE IF EXISTS bench_floor")
        if missing:
            continue
        journey_reset(JOURNEY)
        say(f"ingest run {run + 1}/{cfg['runs']}: Momentum import_responses")
        imported = step_run(import_argv(w1, mapping, JOURNEY), env=django_env(), log=LOG)
        say(f"ingest run {run + 1}/{cfg['runs']}: Momentum analyse")
        analysed = step_run(
            [PY, "manage.py", "analyse", "--journey", JOURNEY, "--organisation", ORGANISATION],
            env=django_env(),
            log=LOG,
        )
        section["momentum"].append(
            {
                "import": result_dict(imported),
                "analyse": result_dict(analysed),
                "stored": journey_rows(JOURNEY) if imported.ok else 0,
            }
        )
    if missing:
        section["notes"].append(f"Momentum end to end {missing}")

    alternatives = [
        ("bulk_create", [], cfg["bulk_create_n"], cfg["runs"]),
        ("import_export", [], cfg["import_export_n"], cfg["import_export_runs"]),
        ("import_export_bulk", ["--use-bulk"], cfg["import_export_n"], 1),
    ]
    missing_ie = entry_missing(("import_export.resources", "ModelResource"))
    for name, extra, rows, runs in alternatives:
        if name.startswith("import_export") and missing_ie:
            section["notes"].append(f"django-import-export {missing_ie} (pip install -r requirements-dev.txt)")
            continue
        sample = subsample(w1, rows)
        tool = "import_export" if name.startswith("import_export") else name
        measured = []
        for run in range(runs):
            settle()
            say(f"alternative {name} on {rows:,} rows, run {run + 1}/{runs}")
            step = step_run(
                [PY, "bench/alternatives.py", tool, str(sample), *extra],
                env=django_env("bench.settings"),
                log=LOG,
                timeout=3 * 3600,
            )
            measured.append(result_dict(step))
        section["alternatives"][name] = {"rows": rows, "runs": measured}
    return section


# ----------------------------------------------------------------------------------------------------- analysis
def bench_analysis(cfg: dict, w1: Path, mapping: Path) -> dict:
    section: dict = {"n": cfg["n"], "w1": {}, "curve": [], "notes": []}
    missing = entry_missing(("moments.selectors", "journey_ratings_frame"), ("moments.analysis", "analyse"))
    if missing:
        section["notes"].append(f"W1 analysis from the database {missing}")
    else:
        data_ensure(w1, mapping)
        for bootstrap in (0, 200):
            runs = cfg["runs"]
            measured = []
            for run in range(runs):
                say(f"analysis of W1 from PostgreSQL, bootstrap {bootstrap}, run {run + 1}/{runs}")
                step = step_run(
                    [PY, "bench/analysis_w1.py", "--journey", JOURNEY, "--bootstrap", str(bootstrap)],
                    env=django_env(),
                    log=LOG,
                )
                measured.append(result_dict(step))
            section["w1"][str(bootstrap)] = measured
    for n in cfg["curve_n"]:
        for k in cfg["curve_k"]:
            for bootstrap in (0, 200):
                runs = cfg["runs"] if n < 1_000_000 and bootstrap == 0 else 1
                measured = []
                for run in range(runs):
                    say(f"engine curve n={n:,} k={k} bootstrap={bootstrap} run {run + 1}/{runs}")
                    step = step_run(
                        [PY, "bench/analysis_scale.py", "--n", str(n), "--k", str(k), "--bootstrap", str(bootstrap)],
                        env=django_env(),
                        log=LOG,
                    )
                    measured.append(result_dict(step))
                section["curve"].append({"n": n, "k": k, "bootstrap": bootstrap, "runs": measured})
    return section


def data_ensure(w1: Path, mapping: Path) -> None:
    """W1 stored under the bench journey (imported, untimed, when the ingest section did not run before)."""
    if journey_rows(JOURNEY) == sum(1 for _ in w1.open()) - 1:
        return
    say("importing W1 for the analysis and web sections (untimed)")
    journey_reset(JOURNEY)
    subprocess.run(import_argv(w1, mapping, JOURNEY), cwd=ROOT, env=django_env(), check=True, capture_output=True)
    manage("analyse", "--journey", JOURNEY, "--organisation", ORGANISATION)


# ---------------------------------------------------------------------------------------------------------- web
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(port: int, env: dict):
    """gunicorn as in the Dockerfile (2 workers x 4 threads), on loopback; stopped by its own pid when done."""
    cmd = [
        str(Path(PY).parent / "gunicorn"),
        "cxapp.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--threads",
        "4",
        "--timeout",
        "120",
    ]
    log = (OUT / "gunicorn.log").open("w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.3)
        else:
            raise SystemExit("gunicorn did not answer within 60 s; see bench/out/gunicorn.log")
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


class IngestLoop:
    """Keeps an import of W1 running (into another journey) for as long as the load test lasts."""

    def __init__(self, w1: Path, mapping: Path) -> None:
        self.argv = import_argv(w1, mapping, "w1-concurrent")
        self.stop = threading.Event()
        self.imports: list[float] = []  # seconds of each import run (the last one was stopped)
        self.proc: subprocess.Popen | None = None
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            self.proc = subprocess.Popen(
                self.argv, cwd=ROOT, env=django_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            self.proc.wait()
            self.imports.append(time.monotonic() - started)

    def __enter__(self) -> IngestLoop:
        self.thread.start()
        time.sleep(3)  # past Django's start-up: the import is reading and writing when the load begins
        return self

    def __exit__(self, *exc: object) -> None:
        # The measurement is over: stop the import in flight (its transaction rolls back) rather than wait
        # a minute for it to finish.
        self.stop.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)
        self.thread.join(timeout=60)


def server_drain(port: int) -> None:
    """Waits until requests queued by the previous run are answered, so each run starts from an idle server."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        started = time.monotonic()
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30)  # noqa: S310
        if time.monotonic() - started < 0.2:
            return
        time.sleep(0.5)


def wrk_run(url: str, seconds: int, sessions: Path, think_ms: int) -> dict:
    env = dict(os.environ, WRK_SESSIONS=str(sessions), WRK_THINK_MS=str(think_ms))
    proc = subprocess.run(
        ["wrk", "-t2", "-c20", f"-d{seconds}s", "--timeout", "10s", "-s", "bench/wrk_report.lua", url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    with LOG.open("a") as fh:
        fh.write(f"$ wrk {url}\n{proc.stdout}\n{proc.stderr}\n")
    for line in proc.stdout.splitlines():
        if line.startswith("WRK "):
            return json.loads(line[4:])
    return {"error": (proc.stdout + proc.stderr).strip()[-500:]}


def bench_web(cfg: dict, w1: Path, mapping: Path) -> dict:
    section: dict = {"duration": cfg["web_seconds"], "clients": 20, "results": [], "notes": []}
    missing = entry_missing(("moments.views", "dashboard"), ("moments.apis", "JourneyAnalysisApi"))
    if missing:
        section["notes"].append(f"web {missing}")
        return section
    if not shutil.which("wrk"):
        section["notes"].append("not measured: wrk missing (apt-get install wrk)")
        return section
    data_ensure(w1, mapping)
    say("web: bench users, sessions and warm analysis runs")
    setup = step_run(
        [PY, "bench/web_setup.py", "--journey", JOURNEY, "--users", "20", "--out", str(OUT)], env=django_env(), log=LOG
    )
    section["setup"] = setup.payload
    if not setup.ok:
        section["notes"].append(f"not measured: the pages did not answer 200 after warming ({setup.tail[-300:]})")
        return section
    paths = (OUT / "paths.txt").read_text().split()
    port = free_port()
    # The per-user API throttle is a policy, not a speed: raised so that 20 clients in a closed loop measure
    # latency instead of 429s.
    env = django_env(API_THROTTLE_USER="1000000/min", LOG_LEVEL="WARNING")
    with gunicorn(port, env):
        for think_ms in (THINK_MS, 0):
            for scenario in ("idle", "ingest"):
                for path in paths:
                    for run in range(cfg["web_runs"]):
                        say(
                            f"web: think {think_ms} ms, {scenario}, {path}, run {run + 1}/{cfg['web_runs']} "
                            f"({cfg['web_seconds']} s)"
                        )
                        server_drain(port)
                        url = f"http://127.0.0.1:{port}{path}"
                        if scenario == "ingest":
                            with IngestLoop(w1, mapping) as loop:
                                measured = wrk_run(url, cfg["web_seconds"], OUT / "sessions.txt", think_ms)
                            measured["imports"] = loop.imports
                        else:
                            measured = wrk_run(url, cfg["web_seconds"], OUT / "sessions.txt", think_ms)
                        measured["load_average"] = load_average()
                        section["results"].append(
                            {"scenario": scenario, "path": path, "think_ms": think_ms, **measured}
                        )
    return section


# --------------------------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k rows, 1 run: for development")
    parser.add_argument("--only", choices=["ingest", "analysis", "web"], action="append")
    parser.add_argument("--runs", type=int, help="runs per measurement (default 3, --quick 1)")
    args = parser.parse_args(argv)
    if "DATABASE_URL" not in os.environ:
        raise SystemExit("DATABASE_URL is not set: run through `make bench` (.ci/with-services.sh)")
    cfg = dict(QUICK if args.quick else FULL)
    if args.runs:
        cfg["runs"] = cfg["web_runs"] = args.runs
    OUT.mkdir(parents=True, exist_ok=True)
    LOG.write_text("")
    tools_ensure()
    sections = args.only or ["ingest", "analysis", "web"]
    facts = machine_facts()
    mode = "quick" if args.quick else "full"
    say(f"bench: {', '.join(sections)} ({mode}); load average {facts['load average at start']}")
    w1 = w1_path(cfg["n"])
    mapping = mapping_write(w1)
    manage("migrate", "--noinput", "-v0")
    shell(
        "from cxapp.models import Organisation; "
        f"Organisation.objects.get_or_create(slug={ORGANISATION!r}, defaults={{'name': 'Bench'}})"
    )

    results = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
    results["machine"] = facts
    runners = {"ingest": bench_ingest, "analysis": bench_analysis, "web": bench_web}
    for name in sections:
        started = time.monotonic()
        section = runners[name](cfg, w1, mapping)
        section["mode"] = "quick" if args.quick else "full"
        section["finished"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        section["load_average_end"] = load_average()
        section["seconds"] = time.monotonic() - started
        results[name] = section
        RESULTS_JSON.write_text(json.dumps(results, indent=2))
        say(f"{name}: done in {section['seconds']:.0f} s")
    path = report_write(results)
    say(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
