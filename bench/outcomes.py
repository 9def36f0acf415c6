"""The cost of a second and third outcome (issue 11) on W1: import time, storage and the ratings load.

    bash .ci/with-services.sh .venv/bin/python bench/outcomes.py [--n 1000000] [--runs 2]

W1 (``bench/w1_generate.py``) gets two more outcome columns derived from each respondent's LTR with noise: a
yes/no "stay" (binary Retention) and an "effort" 1-7 (numeric Effort). The same file is imported (``import_responses``
in its own process under ``/usr/bin/time -v``) with a mapping of 1 outcome (NPS, as ``make bench``) and of 3
(NPS, Retention, Effort), each into an emptied, vacuumed response table, so the table's size is that import's.
Then ``journey_ratings_frame`` loads the primary and (3 outcomes) the Retention outcome. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench.common import OUT, PY, django_env, step_run  # noqa: E402
from bench.run import ORGANISATION, mapping_write, settle, sql, w1_path  # noqa: E402

LOG = OUT / "outcomes.log"


def w1_outcomes(n: int) -> Path:
    """W1 with the ``stay`` and ``effort`` columns (written once per n)."""
    out = OUT / f"w1_{n}_outcomes.csv"
    if out.exists():
        return out
    frame = pd.read_csv(w1_path(n), dtype={"respondent_id": str, "submitted_at": str, "region": str, "plan": str})
    rng = np.random.default_rng(11)
    ltr = frame["ltr"].to_numpy(dtype=float)
    frame["stay"] = np.where(ltr / 10 + rng.normal(0, 0.25, len(frame)) > 0.55, "Ja", "Nee")
    frame["effort"] = np.clip(np.rint(7 - ltr * 0.5 + rng.normal(0, 1, len(frame))), 1, 7).astype(int)
    frame.to_csv(out, index=False)
    return out


def mappings(path: Path) -> dict[int, Path]:
    base = json.loads(mapping_write(path).read_text())
    three = base | {
        "outcomes": {
            "Retention": {"column": "stay", "type": "binary", "positive": ["Ja"]},
            "Effort": {"column": "effort", "type": "numeric"},
        }
    }
    out = {}
    for count, mapping in ((1, base), (3, three)):
        out[count] = OUT / f"w1_mapping_{count}_outcomes.json"
        out[count].write_text(json.dumps(mapping, indent=2))
    return out


def table_empty() -> None:
    sql("DELETE FROM surveys_response")
    sql("VACUUM FULL surveys_response")
    settle()


def sizes(slug: str) -> dict:
    import psycopg2

    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE surveys_response")
            cur.execute(
                "SELECT count(*), sum(pg_column_size(r.*)), sum(pg_column_size(r.outcomes)), "
                "pg_total_relation_size('surveys_response'), pg_relation_size('surveys_response') "
                "FROM surveys_response r"
            )
            rows, row_bytes, outcome_bytes, total, heap = cur.fetchone()
    finally:
        conn.close()
    return {
        "rows": rows,
        "row_bytes_mean": round(row_bytes / rows, 1),
        "outcomes_bytes_mean": round(outcome_bytes / rows, 1),
        "table_mb": round(heap / 2**20, 1),
        "table_with_indexes_mb": round(total / 2**20, 1),
    }


LOAD = """
import json, time
from journeys.models import Journey
from moments.selectors import journey_ratings_frame
journey = Journey.objects.get(slug={slug!r}, organisation__slug={org!r})
out = {{}}
for name in {names!r}:
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        frame = journey_ratings_frame(journey=journey, outcome=name)
        times.append(time.perf_counter() - t0)
    out[name or "primary"] = {{"load_s_min": round(min(times), 3), "n": frame.n, "outcome_name": frame.outcome_name,
                              "finite": int((frame.outcome == frame.outcome).sum())}}
print("BENCH " + json.dumps(out))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    path = w1_outcomes(args.n)
    maps = mappings(path)
    env = django_env()
    step_run([PY, "manage.py", "migrate", "-v0"], env=env, log=LOG)
    organisation = (
        "from cxapp.models import Organisation; "
        f"Organisation.objects.get_or_create(slug={ORGANISATION!r}, defaults={{'name': 'Bench'}})"
    )
    step_run([PY, "manage.py", "shell", "-c", organisation], env=env, log=LOG)
    result: dict = {"n": args.n, "file_mb": round(path.stat().st_size / 1e6, 1)}
    for run in range(args.runs):
        for count in (1, 3) if run % 2 == 0 else (3, 1):  # alternating: neither always imports a warm file
            slug = f"w1-{count}-outcomes"
            table_empty()
            step = step_run(
                [PY, "manage.py", "import_responses", str(path), "--journey", slug, "--survey", "W1",
                 "--mapping", str(maps[count]), "--organisation", ORGANISATION],
                env=env,
                log=LOG,
            )  # fmt: skip
            if not step.ok:
                raise SystemExit(step.tail)
            entry = result.setdefault(f"{count}_outcomes", {"import_s": [], "peak_rss_mb": []})
            entry["import_s"].append(round(step.wall, 2))
            entry["peak_rss_mb"].append(round(step.peak_rss_mb))
            entry["storage"] = sizes(slug)
            names = [None] if count == 1 else [None, "Retention"]
            loaded = step_run(
                [PY, "manage.py", "shell", "-c", LOAD.format(slug=slug, org=ORGANISATION, names=names)], env=env
            )
            entry.setdefault("load", []).append(loaded.payload)
            print(f"run {run + 1}, {count} outcome(s): import {step.wall:.1f} s", file=sys.stderr, flush=True)
    result["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
