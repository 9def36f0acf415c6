"""The floor of DESIGN section 8: the least any tool must do to store a survey CSV durably.

    python bench/floor.py FILE.csv

1. parse: ``pyarrow.csv.read_csv`` (the fastest parser at hand; types inferred) - proves the file is readable;
2. COPY the file's rows as they are into a fresh table with one typed column per CSV column and a unique key
   (PRIMARY KEY) on ``respondent_id``, in one transaction, committed.
Nothing else: no validation, no rescaling, no upsert, no analysis. Needs DATABASE_URL.
"""

from __future__ import annotations

import sys
from pathlib import Path

import psycopg2
import pyarrow as pa
import pyarrow.csv as pa_csv

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Stopwatch, emit  # noqa: E402

TABLE = "bench_floor"


def _sql_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type):
        return "double precision"
    if pa.types.is_timestamp(arrow_type):
        return "timestamptz"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    return "text"


def main(argv: list[str]) -> int:
    import os

    path = Path(argv[0])
    sw = Stopwatch()
    with sw("parse"):
        table = pa_csv.read_csv(path)
    columns = []
    for name, arrow_type in zip(table.column_names, table.schema.types, strict=True):
        key = " PRIMARY KEY" if name == "respondent_id" else ""
        columns.append(f'"{name}" {_sql_type(arrow_type)}{key}')
    rows = table.num_rows
    del table
    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    try:
        with sw("copy"), conn, conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {TABLE}")
            cur.execute(f"CREATE TABLE {TABLE} ({', '.join(columns)})")
            with path.open("rb") as fh:
                cur.copy_expert(f"COPY {TABLE} FROM STDIN WITH (FORMAT csv, HEADER true)", fh, size=1 << 20)
        with conn.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {TABLE}")
            stored = cur.fetchone()[0]
            conn.commit()
    finally:
        conn.close()
    if stored != rows:
        print(f"floor: parsed {rows} rows but stored {stored}", file=sys.stderr)
        return 1
    emit({"rows": rows, "phases": sw.phases})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
