"""One row per recorded action. Rows are written once and never changed: the model refuses updates and deletes,
and on PostgreSQL a trigger (migration 0002) refuses them too, except the retention purge (``audit_purge``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    UPLOAD = "upload", _("Upload")
    MAPPING = "mapping", _("Mapping confirmed")
    IMPORT_DONE = "import_done", _("Import done")
    IMPORT_FAILED = "import_failed", _("Import failed")
    JOURNEY_DELETE = "journey_delete", _("Journey deleted")
    MOMENT_DELETE = "moment_delete", _("Moment deleted")
    UPLOAD_FILES_PURGE = "upload_files_purge", _("Upload files deleted (retention)")
    ERASURE = "erasure", _("Respondents erased")
    ROLE_CHANGE = "role_change", _("Role changed")
    MEMBER_REMOVE = "member_remove", _("Member removed")
    EXPORT = "export", _("Export")
    AUDIT_EXPORT = "audit_export", _("Audit log exported")
    TOKEN_ISSUE = "token_issue", _("API token issued")
    TOKEN_USE = "token_use", _("API token used")


class AuditRefused(Exception):
    """An attempt to change or delete an audit row."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditRefused("The audit log is append-only: rows are never updated.")

    def delete(self):
        raise AuditRefused("The audit log is append-only: rows are deleted only by its retention purge.")


class AuditEvent(models.Model):
    # No database constraints: a record outlives the organisation, the user and the object it names.
    organisation = models.ForeignKey(
        "cxapp.Organisation",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="The username at the time.")
    action = models.CharField(max_length=30, choices=AuditAction.choices, db_index=True)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-created_at"], name="audit_org_created")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AuditRefused("The audit log is append-only: rows are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditRefused("The audit log is append-only: rows are deleted only by its retention purge.")
