"""``manage.py erase_respondent --organisation SLUG RESPONDENT_ID ... [--file FILE]`` (DESIGN section 5)."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext

from cxapp.management.language import LanguageCommand
from cxapp.models import Organisation
from privacy.services import ErasureError, erase_respondent, respondent_ids_parse


class Command(LanguageCommand):
    help = "Removes respondents from every wave of an organisation (responses, error reports, stored files, runs)."

    def add_arguments(self, parser):
        parser.add_argument("respondent_ids", nargs="*", metavar="RESPONDENT_ID")
        parser.add_argument("--organisation", required=True, help="The organisation's slug.")
        parser.add_argument("--file", help="A text or CSV file of ids, one per line (first column).")

    def handle(self, *args, respondent_ids: list[str], organisation: str, file: str | None, **options):
        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            raise CommandError(gettext("No organisation with the slug %(slug)s.") % {"slug": repr(organisation)})
        ids = list(respondent_ids)
        if file:
            try:
                ids += respondent_ids_parse(Path(file).read_text(encoding="utf-8-sig", errors="replace"))
            except OSError as error:
                raise CommandError(
                    gettext("Cannot read %(file)s: %(error)s") % {"file": file, "error": error}
                ) from error
        try:
            result = erase_respondent(organisation=org, respondent_ids=ids)
        except ErasureError as error:
            raise CommandError(str(error)) from error
        for wave in result.waves:
            self.stdout.write(
                "  "
                + gettext("%(journey)s / %(wave)s: %(rows)s response(s) erased")
                % {"journey": wave.journey, "wave": wave.wave, "rows": wave.rows}
            )
        for missing in result.not_found:
            self.stdout.write("  " + gettext("not found: %(id)s") % {"id": missing})
        self.stdout.write(
            gettext(
                "%(errors)s row error(s) removed, %(files)s stored file(s) deleted, %(runs)s analysis run(s) "
                "invalidated."
            )
            % {"errors": result.error_rows_removed, "files": result.files_deleted, "runs": result.runs_invalidated}
        )
        self.stdout.write(self.style.SUCCESS(result.summary()))
