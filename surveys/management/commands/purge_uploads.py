"""``manage.py purge_uploads [--dry-run] [--days N]``: report, then delete, the stored files past their retention."""

from django.conf import settings
from django.core.management.base import CommandError
from django.db.models import Count, Min, Sum
from django.utils.translation import gettext

from cxapp.management.language import LanguageCommand
from surveys.retention import retention_text, uploads_expired, uploads_purge


class Command(LanguageCommand):
    help = "Deletes the stored files of uploads whose import ended longer ago than MOMENTUM_UPLOAD_RETENTION_DAYS."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only report what would be deleted.")
        parser.add_argument(
            "--days", type=int, help="Retention in days for this run (default: MOMENTUM_UPLOAD_RETENTION_DAYS)."
        )

    def handle(self, *args, dry_run: bool, days: int | None, **options):
        if days is not None and days < 0:
            raise CommandError(gettext("--days must be 0 or more."))
        days = settings.MOMENTUM_UPLOAD_RETENTION_DAYS if days is None else days
        expired = uploads_expired(days=days)
        rows = (
            expired.values("organisation__slug")
            .annotate(files=Count("pk"), size=Sum("size_bytes"), oldest=Min("finished_at"))
            .order_by("organisation__slug")
        )
        self.stdout.write(gettext("Retention: a file is %(rule)s.") % {"rule": retention_text(days)})
        total = 0
        for row in rows:
            total += row["files"]
            self.stdout.write(
                "  "
                + gettext("%(organisation)s: %(files)s file(s), %(bytes)s bytes, ended from %(oldest)s")
                % {
                    "organisation": row["organisation__slug"],
                    "files": row["files"],
                    "bytes": row["size"] or 0,
                    "oldest": f"{row['oldest']:%Y-%m-%d %H:%M}",
                }
            )
        if dry_run:
            self.stdout.write(gettext("%(n)s file(s) would be deleted (dry run: nothing deleted).") % {"n": total})
            return
        purged = uploads_purge(uploads=expired)
        self.stdout.write(
            self.style.SUCCESS(
                gettext("%(n)s file(s) deleted (%(bytes)s bytes).") % {"n": purged.uploads, "bytes": purged.bytes}
            )
        )
