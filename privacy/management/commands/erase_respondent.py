"""``manage.py erase_respondent --organisation SLUG RESPONDENT_ID ... [--file FILE]`` (DESIGN section 5)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cxapp.models import Organisation
from privacy.services import ErasureError, erase_respondent, respondent_ids_parse


class Command(BaseCommand):
    help = "Removes respondents from every wave of an organisation (responses, error reports, stored files, runs)."

    def add_arguments(self, parser):
        parser.add_argument("respondent_ids", nargs="*", metavar="RESPONDENT_ID")
        parser.add_argument("--organisation", required=True, help="The organisation's slug.")
        parser.add_argument("--file", help="A text or CSV file of ids, one per line (first column).")

    def handle(self, *args, respondent_ids: list[str], organisation: str, file: str | None, **options):
        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            raise CommandError(f"No organisation with the slug {organisation!r}.")
        ids = list(respondent_ids)
        if file:
            try:
                ids += respondent_ids_parse(Path(file).read_text(encoding="utf-8-sig", errors="replace"))
            except OSError as error:
                raise CommandError(f"Cannot read {file}: {error}") from error
        try:
            result = erase_respondent(organisation=org, respondent_ids=ids)
        except ErasureError as error:
            raise CommandError(str(error)) from error
        for wave in result.waves:
            self.stdout.write(f"  {wave.journey} / {wave.wave}: {wave.rows} response(s) erased")
        for missing in result.not_found:
            self.stdout.write(f"  not found: {missing}")
        self.stdout.write(
            f"{result.error_rows_removed} row error(s) removed, {result.files_deleted} stored file(s) deleted, "
            f"{result.runs_invalidated} analysis run(s) invalidated."
        )
        self.stdout.write(self.style.SUCCESS(result.summary()))
