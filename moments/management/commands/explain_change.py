"""``python manage.py explain_change --journey SLUG --from WAVE --to WAVE [--outcome NAME] [--format json|csv]
[-o FILE]``, or ``--from-period 2026-01..2026-03 --to-period 2026-04..2026-06`` for date ranges (DESIGN section 5).
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from journeys.selectors import journey_by_slug
from moments.exports_moved import MOVED_FORMATS, moved_export
from moments.selectors import survey_ids_by_name
from moments.selectors.moved import PeriodSpec, period_parse
from moments.services_moved import MovedError, moved_compute


class Command(BaseCommand):
    help = (
        "Explains the change of the outcome between two waves or two date ranges, moment by moment: the change "
        "with its 95% interval, one contribution per moment (satisfaction effect + reach effect, bootstrap "
        "interval), and the remainder; the parts add up to the change. Computed in this process."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--journey", required=True, help="Journey slug.")
        parser.add_argument("--organisation", default=None, help="Organisation slug, where several have the journey.")
        parser.add_argument("--from", dest="from_wave", action="append", metavar="WAVE", help="Wave (repeatable).")
        parser.add_argument("--to", dest="to_wave", action="append", metavar="WAVE", help="Wave (repeatable).")
        parser.add_argument("--from-period", default=None, help="Date range, e.g. 2026-01..2026-03 or 2026-Q1.")
        parser.add_argument("--to-period", default=None, help="Date range, e.g. 2026-04..2026-06 or 2026-Q2.")
        parser.add_argument("--outcome", default=None, help="Outcome name (default: the primary outcome).")
        parser.add_argument(
            "--segment", action="append", default=None, metavar="KEY=VALUE", help="Segment filter (repeatable)."
        )
        parser.add_argument("--format", default="json", choices=sorted(MOVED_FORMATS), help="Output format.")
        parser.add_argument("-o", "--output", default=None, help="Output file (default stdout).")

    def _side(self, journey, waves, period, which: str) -> PeriodSpec:
        try:
            survey_ids = survey_ids_by_name(journey=journey, names=waves) if waves else []
            if period:
                return period_parse(period, survey_ids=survey_ids)
        except (LookupError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if not survey_ids:
            raise CommandError(f"Give --{which} WAVE or --{which}-period RANGE.")
        return PeriodSpec(survey_ids=tuple(sorted(survey_ids)), label=" + ".join(waves))

    def handle(self, *args, **options):
        try:
            journey = journey_by_slug(slug=options["journey"], organisation_slug=options["organisation"])
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        before = self._side(journey, options["from_wave"], options["from_period"], "from")
        after = self._side(journey, options["to_wave"], options["to_period"], "to")
        segment_filter: dict[str, list[str]] = {}
        for item in options["segment"] or []:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CommandError(f"--segment expects KEY=VALUE, got {item!r}.")
            segment_filter.setdefault(key.strip(), []).append(value.strip())
        self.stderr.write(f"Comparing {before.label} with {after.label} (bootstrap over both periods)...")
        try:
            result = moved_compute(
                journey=journey,
                before=before,
                after=after,
                segment_filter=segment_filter,
                outcome=options["outcome"],
            )
        except MovedError as exc:
            raise CommandError(str(exc)) from exc
        if options["format"] == "xlsx" and not options["output"]:
            raise CommandError("XLSX is binary: give an output file with -o.")
        data, _content_type = moved_export(options["format"], result)
        summary = result["summary"]
        self.stderr.write(summary["sentence"] + ".")
        self.stderr.write(
            f"{summary['n_before']:,} and {summary['n_after']:,} respondents; "
            f"{summary['moments_attributed']} moments attributed."
        )
        if options["output"]:
            path = Path(options["output"])
            path.write_bytes(data)
            self.stderr.write(f"Wrote {len(data):,} bytes ({options['format']}) to {path}.")
            return
        self.stdout.flush()
        out = getattr(self.stdout, "_out", sys.stdout)
        if hasattr(out, "buffer"):
            out.buffer.write(data)
            out.buffer.flush()
        else:  # a StringIO (call_command in tests)
            out.write(data.decode("utf-8"))
