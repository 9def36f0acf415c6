"""Survey waves, their responses (ratings stored as one array per response) and uploads."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cxapp.fields import BoolArrayField, FloatArrayField
from cxapp.jobs import Job, JobStatus

from .outcomes import Outcome


class OutcomeType(models.TextChoices):
    NPS = "nps", "NPS (likelihood to recommend 0-10)"
    BINARY = "binary", "Binary (e.g. retained yes/no)"
    NUMERIC = "numeric", "Numeric (e.g. overall satisfaction)"


class Survey(models.Model):
    """A wave of a journey's survey.

    ``moment_ids`` is the ordered list of moments that every ``Response.ratings`` array is aligned to. It only
    grows: a later upload that maps a new moment appends it, and shorter arrays read as "not experienced".
    ``outcomes`` is the ordered list of the wave's named outcomes (``surveys.outcomes.Outcome.to_json``:
    ``{"name", "type", "positive", "unit"}``) that every ``Response.outcomes`` array is aligned to; it only grows
    too (written by ``surveys.services.waves.survey_outcomes_ensure``).
    """

    journey = models.ForeignKey("journeys.Journey", on_delete=models.CASCADE, related_name="surveys")
    name = models.CharField(max_length=200)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    scale_min = models.FloatField(default=1)
    scale_max = models.FloatField(default=10)
    outcomes = models.JSONField(
        default=list, blank=True, help_text="The wave's outcomes in order: [{name, type, positive, unit}]."
    )
    moment_ids = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True, help_text="Column mapping saved for the next wave.")
    data_version = models.PositiveIntegerField(default=0, help_text="Bumped by every import; keys cached runs.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["journey", "name"], name="unique_survey_name")]
        # NULL periods (uploads leave them empty) last on every database: PostgreSQL and SQLite disagree otherwise.
        ordering = ["journey", models.F("period_start").asc(nulls_last=True), "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.journey} / {self.name}"

    @property
    def outcome_list(self) -> list[Outcome]:
        """``outcomes`` as ``Outcome`` values, in array order."""
        return [Outcome.from_json(o) for o in self.outcomes or []]


class Response(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    respondent_id = models.CharField(max_length=200)
    submitted_at = models.DateTimeField(null=True, blank=True)
    outcomes = FloatArrayField(
        base_type="double precision",
        default=list,
        blank=True,
        help_text="One value per outcome, aligned to survey.outcomes; NULL (or a shorter array) = missing.",
    )
    segments = models.JSONField(default=dict, blank=True)
    ratings = FloatArrayField(help_text="0-100 per moment, aligned to survey.moment_ids; NULL = not experienced.")
    experienced = BoolArrayField(null=True, blank=True, help_text="Only where explicit flag columns were mapped.")
    weight = models.FloatField(
        null=True, blank=True, help_text="Survey weight (> 0) when the mapping has a weight column; NULL = unweighted."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "respondent_id"], name="unique_respondent_per_survey")]

    def __str__(self) -> str:
        return f"{self.respondent_id} in {self.survey}"


class UploadStatus(models.TextChoices):
    PENDING_MAPPING = "mapping", _("Waiting for the column mapping")
    QUEUED = JobStatus.QUEUED.value, _("Queued")
    RUNNING = JobStatus.RUNNING.value, _("Importing")
    DONE = JobStatus.DONE.value, _("Done")
    FAILED = JobStatus.FAILED.value, _("Failed")


class Upload(Job):
    """An uploaded file and its import job (``cxapp.jobs``): it waits for its mapping, then runs as a job.

    The upload names its journey and wave itself (``survey_name``); ``survey`` is the wave row, set when the wave
    already existed or once the import commits (the import creates a new wave in the same transaction as its
    responses), so a refused upload into a new wave leaves no wave behind, and the upload row with its counts and
    error report outlives a wave that is removed.
    """

    organisation = models.ForeignKey("cxapp.Organisation", on_delete=models.CASCADE, related_name="uploads")
    journey = models.ForeignKey("journeys.Journey", on_delete=models.CASCADE, related_name="uploads")
    survey_name = models.CharField(max_length=200, help_text="The wave it goes into (created by the import).")
    survey = models.ForeignKey(Survey, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads")
    file_path = models.CharField(max_length=500, help_text="Relative to UPLOAD_ROOT, named by the app.")
    original_name = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField(default=0)
    detected_format = models.CharField(max_length=40, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    proposal = models.JSONField(
        default=dict, blank=True, help_text="How the mapping was proposed: {confident: bool, reasons: [str]}."
    )
    skip_invalid = models.BooleanField(default=False)
    layout = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the worker read of the file: columns, labels, first rows (empty until it has read it).",
    )
    import_when_read = models.BooleanField(
        default=False, help_text="Confirm the mapping (given, or a confident proposal) and import once it is read."
    )
    created_moments = models.JSONField(
        default=list,
        blank=True,
        help_text="Moments made for this upload's mapping: removed again if it imports nothing.",
    )
    # the job's status, with one state before the job: waiting for the mapping
    status = models.CharField(
        max_length=10, choices=UploadStatus.choices, default=UploadStatus.PENDING_MAPPING, db_index=True
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    responses_created = models.PositiveIntegerField(default=0)
    responses_updated = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    error_report = models.TextField(blank=True, help_text="Reports before 0010 only (CSV); now a file.")
    error_report_file = models.CharField(
        max_length=500, blank=True, help_text="The row-error report (CSV), relative to UPLOAD_ROOT; its first errors."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return f"{self.original_name} -> {self.journey} / {self.survey_name} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("surveys:upload_detail", kwargs={"upload_id": self.pk})

    @property
    def is_read(self) -> bool:
        """The worker has read the file (its layout and proposal are stored); until then it is being read."""
        return bool(self.detected_format)

    @property
    def needs_mapping(self) -> bool:
        return self.status == UploadStatus.PENDING_MAPPING

    @property
    def percent(self) -> int:
        return round(100 * self.progress)
