"""What a Django developer would otherwise write to load a survey CSV (DESIGN section 8, "compare against").

    DJANGO_SETTINGS_MODULE=bench.settings python bench/alternatives.py bulk_create FILE.csv
    DJANGO_SETTINGS_MODULE=bench.settings python bench/alternatives.py import_export FILE.csv [--use-bulk]

Both write the real ``surveys.Response`` rows (ratings as one 0-100 list per response, aligned to the survey's
moments, segments as JSON) for a bench-only journey, from a file with W1's header. They do less than Momentum:
no validation report, no encoding/format detection, no analysis. So the ratios they give are conservative.

- ``bulk_create``: ``csv.DictReader``, one ``Response`` per row, ``bulk_create(batch_size=1000)`` in one
  transaction - the idiomatic fast ORM way.
- ``import_export``: a django-import-export ``ModelResource`` for ``Response`` with
  ``import_id_fields = (survey, respondent_id)`` (so a re-upload updates, like Momentum), loaded with
  ``tablib.Dataset`` and ``import_data(dry_run=False)`` as its docs and admin do; ``--use-bulk`` turns on its
  ``use_bulk`` option (batched ``bulk_create``/``bulk_update``).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from bench.common import Stopwatch, emit  # noqa: E402
from cxapp.models import Organisation  # noqa: E402
from journeys.models import Journey, Moment  # noqa: E402
from surveys.models import Response, Survey  # noqa: E402

SCALE = (1.0, 10.0)


def survey_prepare(slug: str, moment_columns: list[str]) -> Survey:
    """A fresh bench journey and survey with one moment per rating column (not timed)."""
    organisation, _ = Organisation.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    Journey.objects.filter(organisation=organisation, slug=slug).delete()
    journey = Journey.objects.create(organisation=organisation, slug=slug, name=slug)
    moments = Moment.objects.bulk_create(
        Moment(journey=journey, name=c, slug=c.replace("_", "-"), position=i) for i, c in enumerate(moment_columns)
    )
    return Survey.objects.create(
        journey=journey,
        name="W1",
        scale_min=SCALE[0],
        scale_max=SCALE[1],
        moment_ids=[m.pk for m in moments],
        outcomes=[{"name": "NPS", "type": "nps", "positive": [], "unit": ""}],
    )


def _rescale(text: str) -> float | None:
    return (float(text) - SCALE[0]) / (SCALE[1] - SCALE[0]) * 100 if text else None


def bulk_create_run(path: Path, sw: Stopwatch) -> tuple[int, Survey]:
    with path.open(newline="") as fh:
        header = next(csv.reader(fh))
    moment_columns = [c for c in header if c.startswith("moment_")]
    survey = survey_prepare("bench-bulk-create", moment_columns)
    rows = 0
    with sw("import"), transaction.atomic(), path.open(newline="") as fh:
        batch: list[Response] = []
        for row in csv.DictReader(fh):
            batch.append(
                Response(
                    survey=survey,
                    respondent_id=row["respondent_id"],
                    submitted_at=datetime.fromisoformat(row["submitted_at"]),
                    outcomes=[float(row["ltr"])],
                    segments={"region": row["region"], "plan": row["plan"]},
                    ratings=[_rescale(row[c]) for c in moment_columns],
                )
            )
            if len(batch) == 1000:
                Response.objects.bulk_create(batch)
                rows += len(batch)
                batch = []
        Response.objects.bulk_create(batch)
        rows += len(batch)
    return rows, survey


def import_export_run(path: Path, sw: Stopwatch, bulk: bool) -> tuple[int, Survey]:
    import tablib
    from import_export import fields, resources, widgets

    with path.open(newline="") as fh:
        header = next(csv.reader(fh))
    moment_columns = [c for c in header if c.startswith("moment_")]
    survey = survey_prepare("bench-import-export", moment_columns)

    class ResponseResource(resources.ModelResource):
        submitted_at = fields.Field(
            attribute="submitted_at",
            column_name="submitted_at",
            widget=widgets.DateTimeWidget(format="%Y-%m-%d %H:%M:%SZ"),
        )

        class Meta:
            model = Response
            fields = ("survey", "respondent_id", "submitted_at", "outcomes", "segments", "ratings")
            import_id_fields = ("survey", "respondent_id")
            skip_unchanged = False
            report_skipped = False
            use_bulk = bulk
            batch_size = 1000

        def before_import(self, dataset, **kwargs):
            dataset.append_col([survey.pk] * len(dataset), header="survey")

        def before_import_row(self, row, **kwargs):
            row["outcomes"] = [float(row["ltr"])]
            row["segments"] = json.dumps({"region": row["region"], "plan": row["plan"]})
            row["ratings"] = [_rescale(row[c]) for c in moment_columns]

    with sw("load"):
        dataset = tablib.Dataset().load(path.read_text(), format="csv")
    with sw("import"):
        result = ResponseResource().import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)
    if result.has_errors() or result.has_validation_errors():
        raise SystemExit("django-import-export reported errors")
    return len(dataset), survey


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=["bulk_create", "import_export"])
    parser.add_argument("file", type=Path)
    parser.add_argument("--use-bulk", action="store_true", help="import_export: use_bulk=True")
    args = parser.parse_args(argv)
    sw = Stopwatch()
    if args.tool == "bulk_create":
        rows, survey = bulk_create_run(args.file, sw)
    else:
        rows, survey = import_export_run(args.file, sw, args.use_bulk)
    emit({"rows": rows, "stored": survey.responses.count(), "phases": sw.phases})
    return 0


if __name__ == "__main__":
    sys.exit(main())
