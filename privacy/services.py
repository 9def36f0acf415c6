"""Erasure of respondents (GDPR article 17): ``erase_respondent`` removes ids from every wave of an organisation."""

from __future__ import annotations

import csv
import io
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from audit.models import AuditAction
from audit.services import audit_record
from cxapp.models import Organisation
from journeys.models import Journey
from moments.filters import default_filter
from moments.models import AnalysisRun
from moments.services import analysis_request
from surveys.ingest import ERROR_COLUMNS
from surveys.models import Response, Survey, Upload
from surveys.retention import uploads_purge
from surveys.services import survey_data_changed, upload_errors
from surveys.services.reports import report_replace

logger = logging.getLogger(__name__)

MAX_IDS = 100_000  # one request or file; more is a bulk deletion, not the erasure of people
ID_CHUNK = 10_000  # ids per DELETE: set-based, a handful of queries for a long list


class ErasureError(ValueError):
    """A request that cannot be carried out (no ids, too many); the message is for the user."""


@dataclass(frozen=True)
class WaveErased:
    survey_id: int
    journey: str
    wave: str
    rows: int


@dataclass
class ErasureResult:
    requested: int
    waves: list[WaveErased] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    error_rows_removed: int = 0
    files_deleted: int = 0
    runs_invalidated: int = 0

    @property
    def rows(self) -> int:
        return sum(w.rows for w in self.waves)

    @property
    def found(self) -> int:
        return self.requested - len(self.not_found)

    def summary(self) -> str:
        """One sentence for the page, the API and the CLI: how many rows went from which waves."""
        if not self.waves:
            text = gettext("No response of these respondents was found: nothing was erased.")
        else:
            where = "; ".join(
                gettext("%(rows)s from %(journey)s / %(wave)s") % {"rows": w.rows, "journey": w.journey, "wave": w.wave}
                for w in self.waves
            )
            text = gettext("Erased %(responses)s of %(respondents)s: %(where)s.") % {
                "responses": ngettext("%(n)d response", "%(n)d responses", self.rows) % {"n": self.rows},
                "respondents": ngettext("%(n)d respondent", "%(n)d respondents", self.found) % {"n": self.found},
                "where": where,
            }
        if self.error_rows_removed:
            text += " " + gettext("%(n)s row error(s) naming them were removed from error reports.") % {
                "n": self.error_rows_removed
            }
        if self.not_found:
            text += " " + gettext("%(n)s id(s) not found in any wave.") % {"n": len(self.not_found)}
        return text


def respondent_ids_parse(text: str) -> list[str]:
    """Ids from a textarea or an uploaded file: one per line, or the first column of a CSV; blank lines and a header
    named like ``respondent_id`` skipped; order kept, duplicates dropped."""
    ids: dict[str, None] = {}
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        if not row:
            continue
        value = row[0].strip()
        if value and value.lower().replace(" ", "_") not in ("respondent_id", "respondentid", "id"):
            ids[value] = None
    return list(ids)


def _chunks(values: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), ID_CHUNK):
        yield list(values[start : start + ID_CHUNK])


def _error_reports_scrub(*, organisation: Organisation, ids: set[str]) -> tuple[int, set[int]]:
    """Removes from the organisation's error reports every row error whose value is one of ``ids`` (a bad or
    repeated respondent id is stored there as the cell's value). Returns (rows removed, ids of the surveys)."""
    removed, surveys = 0, set()
    uploads = Upload.objects.filter(organisation=organisation, error_count__gt=0).exclude(
        error_report="", error_report_file=""
    )
    for upload in uploads.only("pk", "survey", "error_report", "error_report_file", "organisation").iterator():
        upload_id, survey_id = upload.pk, upload.survey_id
        errors = upload_errors(upload=upload).astype({"line": str})
        values = errors["value"]
        # the report escapes a value that a spreadsheet would run as a formula with a leading quote
        hit = values.isin(ids) | (values.str.startswith("'") & values.str[1:].isin(ids))
        if not hit.any():
            continue
        report_replace(upload_id=upload_id, errors=errors.loc[~hit, ERROR_COLUMNS], removed=int(hit.sum()))
        removed += int(hit.sum())
        if survey_id is not None:  # a refused upload into a new wave has none
            surveys.add(survey_id)
    return removed, surveys


@transaction.atomic
def erase_respondent(
    *, organisation: Organisation, respondent_ids: Sequence[str], user=None, request_analysis: bool = True
) -> ErasureResult:
    """Removes the respondents ``respondent_ids`` from every wave of ``organisation`` (DESIGN section 5).

    Steps, in one transaction:
    1. lock the organisation's waves that hold any of them (the row lock an import takes: an import running into
       such a wave finishes first, and one starting later waits);
    2. delete their responses, a few set-based DELETEs (``ID_CHUNK`` ids each), counting rows per wave;
    3. remove the row errors naming them from the error reports, and delete the stored files of the ended uploads
       into those waves now (the raw file holds them too; the upload rows keep their counts and mapping);
    4. invalidate the analyses that used those waves: bump each wave's ``data_version`` (it keys the runs) and
       delete their runs, so no page shows numbers computed with the erased people; after commit the default
       analysis of each journey touched is requested again (the next view finds it computing);
    5. one audit record: the counts, never the ids.
    An id found nowhere is reported in ``not_found``, not an error.
    """
    ids = list(dict.fromkeys(str(i).strip() for i in respondent_ids if str(i).strip()))
    if not ids:
        raise ErasureError(gettext("Give at least one respondent id."))
    if len(ids) > MAX_IDS:
        raise ErasureError(
            gettext("At most %(count)s respondent ids at a time.")
            % {"count": number_format(MAX_IDS, use_l10n=True, force_grouping=True)}
        )
    responses = Response.objects.filter(survey__journey__organisation=organisation)
    holding: set[int] = set()
    for chunk in _chunks(ids):
        holding.update(responses.filter(respondent_id__in=chunk).values_list("survey_id", flat=True).distinct())
    surveys = list(Survey.objects.select_for_update().filter(pk__in=holding).order_by("pk"))
    per_survey: dict[int, int] = defaultdict(int)
    found: set[str] = set()
    for chunk in _chunks(ids):
        hits = Response.objects.filter(survey__in=surveys, respondent_id__in=chunk)
        for row in hits.values("survey_id").annotate(n=Count("pk")).order_by():
            per_survey[row["survey_id"]] += row["n"]
        found.update(hits.values_list("respondent_id", flat=True).distinct())
        # Response has no dependants or signals: one DELETE statement per chunk (Django's fast delete).
        hits.delete()
    error_rows, report_surveys = _error_reports_scrub(organisation=organisation, ids=set(ids))
    touched = sorted(set(per_survey) | report_surveys)
    purged = uploads_purge(uploads=Upload.objects.filter(survey_id__in=touched), reason="erasure")
    for survey in Survey.objects.filter(pk__in=touched):
        survey_data_changed(survey=survey)
    runs = AnalysisRun.objects.filter(surveys__in=touched).values_list("pk", flat=True).distinct()
    run_ids = list(runs)
    AnalysisRun.objects.filter(pk__in=run_ids).delete()
    names = {
        s.pk: (s.journey.name, s.name)
        for s in Survey.objects.filter(pk__in=per_survey).select_related("journey").order_by(*Survey._meta.ordering)
    }
    result = ErasureResult(
        requested=len(ids),
        waves=[WaveErased(pk, *names[pk], per_survey[pk]) for pk in names],
        not_found=[i for i in ids if i not in found],
        error_rows_removed=error_rows,
        files_deleted=purged.uploads,
        runs_invalidated=len(run_ids),
    )
    audit_record(
        action=AuditAction.ERASURE,
        organisation_id=organisation.pk,
        actor=user,
        details={
            "requested": result.requested,
            "found": result.found,
            "not_found": len(result.not_found),
            "responses": result.rows,
            "waves": [{"journey": w.journey, "wave": w.wave, "responses": w.rows} for w in result.waves],
            "error_rows_removed": error_rows,
            "files_deleted": purged.uploads,
            "runs_invalidated": len(run_ids),
        },
    )
    if request_analysis:
        journey_ids = set(Survey.objects.filter(pk__in=touched).values_list("journey_id", flat=True))
        transaction.on_commit(lambda: _analyses_request(journey_ids, user))
    return result


def _analyses_request(journey_ids: set[int], user) -> None:
    for journey in Journey.objects.filter(pk__in=journey_ids):
        try:
            analysis_request(journey=journey, user=user, **default_filter(journey).params())
        except Exception:
            # The erasure is committed; a failed request is made again by the next view.
            logger.exception("analysis request after an erasure in journey %s failed", journey.pk)
