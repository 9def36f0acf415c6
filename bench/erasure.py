"""Time to erase respondents across 1,000,000 responses (issue 16, docs/RELIABILITY.md "Data protection").

    DJANGO_SETTINGS_MODULE=cxapp.settings.test bash .ci/with-services.sh bash -c \\
        '.venv/bin/python manage.py migrate -v0 && .venv/bin/python bench/erasure.py'

Two waves of 500,000 responses each (25 ratings per response, the same respondents in both), filled by one
``INSERT ... SELECT generate_series`` each; then ``erase_respondent`` for 1 id, for 1,000 ids and for 10,000 ids
(every one present in both waves), each in its own transaction, committed. Prints one ``BENCH`` line.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxapp.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.common import emit  # noqa: E402
from cxapp.models import Organisation  # noqa: E402
from journeys.models import Journey  # noqa: E402
from privacy.services import erase_respondent  # noqa: E402
from surveys.models import Response, Survey  # noqa: E402

PER_WAVE = 500_000


def main() -> None:
    organisation, _ = Organisation.objects.get_or_create(slug="bench-erasure", defaults={"name": "Bench erasure"})
    journey, _ = Journey.objects.get_or_create(organisation=organisation, slug="bench", defaults={"name": "Bench"})
    nps = [{"name": "NPS", "type": "nps", "positive": [], "unit": ""}]
    waves = [Survey.objects.get_or_create(journey=journey, name=f"W{i}", defaults={"outcomes": nps})[0] for i in (1, 2)]
    table = Response._meta.db_table
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for wave in waves:
            cursor.execute(
                f"INSERT INTO {table} (survey_id, respondent_id, outcomes, segments, ratings) "  # noqa: S608
                "SELECT %s, 'R' || lpad(g::text, 7, '0'), ARRAY[9]::float8[], '{}'::jsonb, "
                "array_fill(70::real, ARRAY[25]) FROM generate_series(1, %s) g",
                [wave.pk, PER_WAVE],
            )
        cursor.execute(f"ANALYZE {table}")
    fill = time.perf_counter() - started
    result = {"responses": Response.objects.filter(survey__in=waves).count(), "fill_s": round(fill, 1)}
    offset = 1
    for n in (1, 1_000, 10_000):
        ids = [f"R{i:07d}" for i in range(offset, offset + n)]
        offset += n
        started = time.perf_counter()
        erased = erase_respondent(organisation=organisation, respondent_ids=ids, request_analysis=False)
        result[f"erase_{n}_ids_s"] = round(time.perf_counter() - started, 3)
        assert erased.rows == 2 * n, erased.summary()
    emit(result)


if __name__ == "__main__":
    main()
