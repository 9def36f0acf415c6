"""python manage.py import_responses FILE --journey SLUG --survey NAME [--mapping FILE.json] [--skip-invalid]
[--organisation SLUG] [--keep-refused] (DESIGN section 5). Runs the import in this process, not through the queue.

A refused import leaves nothing behind (issue 17): the journey this command created for it, the upload row and the
stored file are removed again (a new wave is only created by an import that commits, and the moments made for it go
with the failed import), unless ``--keep-refused`` asks to keep the upload and its error report. What existed
before is never touched."""

import json
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.formats import number_format
from django.utils.translation import gettext

from cxapp.management.language import LanguageCommand
from cxapp.models import Organisation
from cxapp.services import organisation_get_or_create_default
from journeys.models import Journey
from journeys.services import JourneyError, journey_delete, journey_get_or_create
from pipeline.services import upload_ingest_and_analyse
from surveys import services
from surveys.ingest import IngestError
from surveys.models import UploadStatus
from surveys.words import proposal_reason_text, row_reason_text, upload_message_text

ERRORS_SHOWN = 50


def _count(value: int) -> str:
    """A count with the language's thousands separator (12,345 in English, 12.345 in Dutch)."""
    return number_format(value, force_grouping=True)


class Command(LanguageCommand):
    help = "Import a survey export into a journey's wave; exits non-zero when the import is refused."
    # no system checks: they import every URLconf and view (and scipy with them) for nothing here
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV, XLSX or SPSS .sav export")
        parser.add_argument("--journey", required=True, help="journey slug (created when new)")
        parser.add_argument("--survey", required=True, help="survey (wave) name (created when new)")
        parser.add_argument("--mapping", help="mapping JSON file (DESIGN section 5); default: the automatic mapping")
        parser.add_argument("--skip-invalid", action="store_true", help="store the valid rows, report the rest")
        parser.add_argument("--organisation", help="organisation slug (needed when there are several)")
        parser.add_argument(
            "--keep-refused",
            action="store_true",
            help="keep a refused upload (its row, error report, and the journey made for it)",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(gettext("%(path)s: no such file") % {"path": path})
        mapping = self._mapping_read(options["mapping"]) if options["mapping"] else None
        organisation = self._organisation(options["organisation"])
        journeys_before = set(Journey.objects.filter(organisation=organisation).values_list("pk", flat=True))
        journey = None
        try:
            journey = journey_get_or_create(organisation=organisation, slug=options["journey"])
            upload = services.upload_create(
                organisation=organisation,
                journey=journey,
                survey_name=options["survey"],
                path=path,
                original_name=path.name,
                read_now=True,  # read here (in a child process with the parse ceilings), not by a worker
            )
        except (IngestError, JourneyError) as exc:
            if journey is not None and journey.pk not in journeys_before and not options["keep_refused"]:
                journey_delete(journey=journey)
            raise CommandError(str(exc)) from exc
        journey_made = journey.pk not in journeys_before
        try:
            upload = self._import(upload, mapping, options)
        except CommandError:
            if not options["keep_refused"]:
                self._discard(upload, journey, journey_made=journey_made)
            raise

    def _import(self, upload, mapping: dict | None, options: dict):
        """Confirms and runs the import; raises CommandError when it is refused."""
        self.stdout.write(
            gettext("%(name)s: %(format)s export, into %(journey)s / %(wave)s")
            % {
                "name": upload.original_name,
                "format": upload.detected_format,
                "journey": upload.journey.slug,
                "wave": upload.survey_name,
            }
        )
        if mapping is None:
            if not upload.proposal.get("confident"):
                self.stderr.write(
                    gettext("The automatic mapping is not confident; pass --mapping FILE.json. Proposal:")
                )
                self.stderr.write(json.dumps(upload.mapping, indent=2, ensure_ascii=False))
                for reason in upload.proposal.get("reasons", []):
                    self.stderr.write(f"  - {proposal_reason_text(reason)}")
                raise CommandError(gettext("import refused: no confident mapping"))
            mapping = upload.mapping
            self.stdout.write(gettext("Using the automatic mapping:"))
            for reason in upload.proposal.get("reasons", []):
                self.stdout.write(f"  - {proposal_reason_text(reason)}")
        try:
            upload = services.upload_confirm(
                upload=upload,
                mapping=mapping,
                skip_invalid=options["skip_invalid"],
                enqueue=False,
                # an explicit mapping file may import outcome and segments only; the automatic one must find moments
                without_moments=options["mapping"] is not None,
            )
        except IngestError as exc:
            raise CommandError(str(exc)) from exc
        upload = upload_ingest_and_analyse(upload_id=upload.pk, on_progress=self._progress)
        if self.stdout.isatty():
            self.stdout.write("")
        self._summary(upload)
        if upload.status != UploadStatus.DONE:
            raise CommandError(
                gettext("import refused: %(message)s") % {"message": upload_message_text(upload.message)}
            )
        return upload

    def _discard(self, upload, journey, *, journey_made: bool) -> None:
        upload.refresh_from_db()
        if journey_made:
            journey_delete(journey=journey)  # its upload and any moment go with it
        services.upload_discard(upload=upload)
        if upload.survey_id:
            self.stderr.write(
                gettext(
                    "Nothing was kept of this import (the wave %(wave)s is as it was); --keep-refused keeps the "
                    "upload and its report."
                )
                % {"wave": upload.survey_name}
            )
        else:
            self.stderr.write(
                gettext("Nothing was kept of this import; --keep-refused keeps the upload and its report.")
            )

    def _mapping_read(self, name: str) -> dict:
        try:
            return json.loads(Path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"--mapping {name}: {exc}") from exc

    def _organisation(self, slug: str | None) -> Organisation:
        if slug:
            organisation = Organisation.objects.filter(slug=slug).first()
            if organisation is None:
                raise CommandError(gettext("--organisation %(slug)s: no such organisation") % {"slug": slug})
            return organisation
        if Organisation.objects.count() > 1:
            slugs = ", ".join(Organisation.objects.values_list("slug", flat=True))
            raise CommandError(
                gettext("There are several organisations; choose one with --organisation (%(slugs)s).")
                % {"slugs": slugs}
            )
        return organisation_get_or_create_default()

    def _progress(self, fraction: float, message: str) -> None:
        line = f"[{'#' * round(fraction * 30):<30}] {fraction:4.0%}  {upload_message_text(message)}"
        if self.stdout.isatty():
            self.stdout.write(f"\r{line}", ending="")
            self.stdout.flush()
        else:
            self.stdout.write(line)

    def _summary(self, upload) -> None:
        self.stdout.write(
            gettext(
                "rows: %(total)s read, %(imported)s imported (%(new)s new, %(updated)s updated), "
                "%(invalid)s with errors"
            )
            % {
                "total": _count(upload.rows_total),
                "imported": _count(upload.rows_imported),
                "new": _count(upload.responses_created),
                "updated": _count(upload.responses_updated),
                "invalid": _count(upload.rows_invalid),
            }
        )
        if upload.error_count:
            errors = services.upload_errors(upload=upload, limit=ERRORS_SHOWN)
            out = self.stderr if upload.status != UploadStatus.DONE else self.stdout
            for row in errors.itertuples(index=False):
                words = {"line": row.line, "column": row.column, "reason": row_reason_text(row.reason)}
                if row.column:
                    out.write(gettext("line %(line)s, column %(column)s: %(reason)s") % words)
                else:
                    out.write(gettext("line %(line)s: %(reason)s") % words)
            if upload.error_count > ERRORS_SHOWN:
                out.write(gettext("... and %(n)s more") % {"n": _count(upload.error_count - ERRORS_SHOWN)})
        self.stdout.write(upload_message_text(upload.message))
