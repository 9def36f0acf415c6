"""``python manage.py export_priorities --journey SLUG [--survey NAME ...] --format csv|xlsx|json [-o FILE]``."""

import sys
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.formats import number_format
from django.utils.translation import gettext

from cxapp.management.language import LanguageCommand
from moments.exports import PRIORITIES_FORMATS, priorities_export
from moments.selectors import priorities_frame, priorities_meta

from ._analysis_args import add_analysis_arguments, run_for_options


class Command(LanguageCommand):
    help = (
        "Writes the prioritised moment list (DESIGN section 5 columns) as CSV, XLSX or JSON, running the analysis "
        "first unless a finished run with identical data and parameters exists. Without -o, CSV and JSON go to "
        "stdout."
    )
    # no system checks: they import every URLconf and view (and scipy with them) for nothing here
    requires_system_checks = []

    def add_arguments(self, parser):
        add_analysis_arguments(parser)
        parser.add_argument("--format", required=True, choices=sorted(PRIORITIES_FORMATS), help="Output format.")
        parser.add_argument("-o", "--output", default=None, help="Output file (default stdout for csv / json).")

    def handle(self, *args, **options):
        fmt, output = options["format"], options["output"]
        if fmt == "xlsx" and not output:
            raise CommandError(gettext("XLSX is binary: give an output file with -o."))
        run = run_for_options(options)
        data, _content_type = priorities_export(fmt, priorities_frame(run=run), priorities_meta(run=run))
        if output:
            path = Path(output)
            path.write_bytes(data)
            self.stderr.write(
                gettext("Wrote %(bytes)s bytes (%(format)s) of analysis %(run)s to %(path)s.")
                % {"bytes": number_format(len(data), force_grouping=True), "format": fmt, "run": run.pk, "path": path}
            )
        else:
            self.stdout.flush()
            out = getattr(self.stdout, "_out", sys.stdout)
            if hasattr(out, "buffer"):
                out.buffer.write(data)
                out.buffer.flush()
            else:  # a StringIO (call_command in tests)
                out.write(data.decode("utf-8"))
