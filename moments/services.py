"""Analysis runs: request (reusing identical work), compute, store, compare, and recover stale runs.

Flow (DESIGN section 3): ``analysis_request`` writes a QUEUED ``AnalysisRun`` (or returns the run that already has
these inputs and parameters) and enqueues ``moments.compute_analysis`` after commit; the task calls
``analysis_run_compute``, which claims the row with a conditional update, loads the matrix
(``selectors.journey_ratings_frame``), runs the pure engine (``moments.analysis.analyse``) and stores the summary
and one ``MomentResult`` per moment in one transaction.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from cxapp.jobs import (
    TRANSIENT_DB_ERRORS,
    JobKind,
    JobProgress,
    job_claim,
    job_enqueue_on_commit,
    job_fail,
    job_requeue,
    jobs_sweep_stale,
)
from cxapp.models import Membership, Organisation, Role
from journeys.models import Journey
from journeys.services import journey_create, moment_create

from .analysis import AnalysisParams, analyse, compare_waves
from .models import AnalysisRun, MomentResult, RunStatus
from .outcomes import journey_outcome_choices, outcome_choose
from .selectors import (
    WAVE_ORDER,
    _clean_segment_filter,
    analysis_params_key,
    analysis_rules,
    journey_ratings_frame,
    journey_surveys,
)

logger = logging.getLogger(__name__)

ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.DONE)
# Share of the progress bar for loading the matrix; the engine reports the rest (its bootstrap) as 0..1.
LOAD_SHARE = 0.1


RUN_JOB = JobKind(
    model=AnalysisRun,
    task=lambda: import_string("moments.tasks.compute_analysis"),  # tasks import this module, not the reverse
    queue_down_message="Queued. The job queue cannot be reached right now: the analysis starts by itself once it "
    "is back.",
    queued_message="",
    # A job is claimed MAX_ATTEMPTS times only when each claim ended with its worker gone (killed, out of memory)
    # or with the database away: re-sending it for ever would take a worker down every minute.
    exhausted_message="The analysis stopped its worker {tries} times (for example out of memory) and was "
    "abandoned. Narrow the waves or segments, or ask an administrator to give the workers more memory.",
)


@transaction.atomic
def analysis_request(
    *,
    journey: Journey,
    survey_ids: Sequence[int] | None = None,
    segment_filter: Mapping[str, Sequence[str]] | None = None,
    method: str = "relative_weights",
    threshold_mode: str = "mean",
    fixed_satisfaction: float | None = None,
    fixed_impact: float | None = None,
    user: AbstractBaseUser | None = None,
    enqueue: bool = True,
    outcome: str | None = "",
) -> AnalysisRun:
    """The run for these inputs and parameters: an existing DONE, QUEUED or RUNNING one, else a new QUEUED run.

    ``survey_ids`` None = every wave of the journey; ``segment_filter`` ``{key: [values]}``. The key
    (``selectors.analysis_params_key``) includes each wave's ``data_version``, so after an import the same request
    creates a new run. A new run is enqueued on ``moments.compute_analysis`` after the surrounding transaction
    commits (the demo's worker takes it from the filesystem queue; with CELERY_TASK_ALWAYS_EAGER it is computed
    then, synchronously). ``enqueue=False``
    leaves it QUEUED for the caller to compute (``analysis_run_compute``; the CLI does).
    ``outcome``: the outcome's name ("" / None = the journey's primary outcome; names match ignoring case and
    whitespace): each outcome has its own runs (its own key).
    Raises ValueError for unknown parameters (before anything is written), ``UnknownOutcome`` for an outcome the
    journey does not have.
    """
    params = AnalysisParams(
        method=method,
        threshold=threshold_mode,
        fixed_satisfaction=fixed_satisfaction,
        fixed_impact=fixed_impact,
        min_n=settings.MOMENTUM_MIN_SAMPLE,
        bootstrap=settings.MOMENTUM_BOOTSTRAP,
        **analysis_rules(),
    )  # validates method and thresholds
    if threshold_mode != "fixed":
        fixed_satisfaction = fixed_impact = None
    surveys = journey_surveys(journey=journey, survey_ids=survey_ids)
    if survey_ids is not None and len(surveys) != len(set(survey_ids)):
        raise ValueError("Some of the chosen waves do not belong to this journey.")
    segment_filter = _clean_segment_filter(segment_filter)
    chosen = outcome_choose(journey_outcome_choices(journey=journey), outcome) if outcome else None
    outcome = chosen.value if chosen is not None else ""
    key = analysis_params_key(
        journey=journey,
        surveys=surveys,
        segment_filter=segment_filter,
        method=method,
        threshold_mode=threshold_mode,
        fixed_satisfaction=fixed_satisfaction,
        fixed_impact=fixed_impact,
        min_sample=params.min_n,
        bootstrap=params.bootstrap,
        seed=params.seed,
        outcome=outcome,
    )
    active = AnalysisRun.objects.filter(journey=journey, params_key=key, status__in=ACTIVE_STATUSES).order_by(
        "-created_at", "-pk"
    )
    # Most requests (every dashboard and API read) find their run: three queries and no lock for them.
    existing = active.first()
    if existing is not None:
        return existing
    # Serialises concurrent requests of one journey, so two identical requests cannot both create a run.
    Journey.objects.select_for_update().filter(pk=journey.pk).exists()
    existing = active.first()
    if existing is not None:
        return existing
    if user is not None and user.is_authenticated:
        _budget_check(journey=journey, user=user)
    run = AnalysisRun.objects.create(
        journey=journey,
        segment_filter=segment_filter,
        method=method,
        threshold_mode=threshold_mode,
        fixed_satisfaction=fixed_satisfaction,
        fixed_impact=fixed_impact,
        min_sample=params.min_n,
        bootstrap=params.bootstrap,
        seed=params.seed,
        params_key=key,
        outcome=outcome,
        status=RunStatus.QUEUED,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    run.surveys.set(surveys)
    if enqueue:
        job_enqueue_on_commit(RUN_JOB, run.pk)
    return run


class AnalysisBudgetExceeded(ValueError):
    """A person asked for a new analysis while their organisation (or they, as a viewer) already has as many
    waiting or running as the budget allows (``MOMENTUM_ORG_ACTIVE_RUNS_MAX``, ``MOMENTUM_VIEWER_ACTIVE_RUNS_MAX``).
    Identical requests share one run and never count twice; the runs after an import are not a person's."""


def _budget_check(*, journey: Journey, user: AbstractBaseUser) -> None:
    """Refuses a person's new run beyond the budgets (issue 16: one organisation, or one viewer, cannot fill the
    queue for everybody). Runs under the journey's row lock, so concurrent requests count each other."""
    pending = AnalysisRun.objects.filter(status__in=(RunStatus.QUEUED, RunStatus.RUNNING))
    limit = settings.MOMENTUM_ORG_ACTIVE_RUNS_MAX
    if pending.filter(journey__organisation_id=journey.organisation_id).count() >= limit:
        raise AnalysisBudgetExceeded(
            gettext(
                "Your organisation already has %(n)d analyses waiting or running, the most at one time: try again "
                "when they are done (a minute or so)."
            )
            % {"n": limit}
        )
    editor = Membership.objects.filter(
        user=user, organisation_id=journey.organisation_id, role__in=(Role.ANALYST, Role.ADMIN)
    ).exists()
    limit = settings.MOMENTUM_VIEWER_ACTIVE_RUNS_MAX
    if not editor and pending.filter(created_by=user).count() >= limit:
        raise AnalysisBudgetExceeded(
            gettext(
                "You already have %(n)d new analyses waiting or running, the most a viewer can ask for at one "
                "time: try again when they are done."
            )
            % {"n": limit}
        )


def _json_safe(value):
    """JSON-ready copy: NaN / inf -> None, numpy scalars -> Python."""
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def _num(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def analysis_run_compute(*, run_id: int, echo: Callable[[float], None] | None = None) -> AnalysisRun | None:
    """Computes a QUEUED run (or a RUNNING one whose heartbeat went stale) and stores its results.

    Steps: claim the row with a conditional update (nothing to do if another worker has it); load the matrix
    (with its survey weights, when the waves carry them: every statistic is then weighted, DESIGN section 2);
    ``analyse`` with a progress callback (progress + heartbeat written at most every 0.5 s); store the summary
    (JSON-safe) and one ``MomentResult`` per moment with ``bulk_create``, and mark DONE, in one transaction.
    A user-side problem (no responses, mixed outcome types, bad parameters) or any engine error marks the run
    FAILED with the reason in ``message``. A transient database error (``cxapp.jobs.TRANSIENT_DB_ERRORS``), also
    while storing the results, puts the run back to QUEUED and is re-raised so the task retries.
    ``echo`` receives progress 0..1 (the CLI prints it).
    Not wrapped in a transaction on purpose: progress updates must be visible while it runs.
    """
    run = job_claim(RUN_JOB, AnalysisRun.objects.select_related("journey"), run_id)
    if run is None:
        # Someone else has it, it is finished (or abandoned), or it was deleted (its journey removed) after it was
        # queued.
        return AnalysisRun.objects.filter(pk=run_id).first()
    progress = JobProgress(AnalysisRun, run.pk, None if echo is None else lambda fraction, _message: echo(fraction))
    try:
        progress.report(0.0, force=True)
        survey_ids = list(run.surveys.values_list("pk", flat=True))
        chosen = {"outcome": run.outcome} if run.outcome else {}  # "" = the primary outcome, the loader's default
        frame = journey_ratings_frame(
            journey=run.journey, survey_ids=survey_ids, segment_filter=run.segment_filter, **chosen
        )
        if not survey_ids:
            raise ValueError("The journey has no survey waves yet: import responses first.")
        if not frame.moments:
            raise ValueError("The journey has no moments.")
        if np.isfinite(frame.outcome).sum() == 0:
            raise ValueError(
                f"No responses with an outcome ({getattr(frame, 'outcome_name', '') or 'the primary one'}) for "
                "these waves and segment filter."
            )
        progress.report(LOAD_SHARE, force=True)
        params = AnalysisParams(
            method=run.method,
            threshold=run.threshold_mode,
            fixed_satisfaction=run.fixed_satisfaction,
            fixed_impact=run.fixed_impact,
            min_n=run.min_sample,
            bootstrap=run.bootstrap,
            seed=run.seed,
            **analysis_rules(),
        )
        result = analyse(
            frame.ratings,
            frame.outcome,
            [m.slug for m in frame.moments],
            outcome_type=frame.outcome_type,
            experienced=frame.experienced,
            weights=frame.weight,
            params=params,
            progress=lambda f: progress.report(LOAD_SHARE + (1 - LOAD_SHARE) * 0.98 * f),
        )
        # Inside the same handlers: a database error while storing is as transient as one while loading.
        run = _store(run, frame, result)
    except TRANSIENT_DB_ERRORS:
        job_requeue(RUN_JOB, run_id, "")
        raise
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row the user polls
        logger.exception("analysis run %s failed", run_id)
        job_fail(RUN_JOB, run_id, f"{exc}" if isinstance(exc, ValueError) else f"Analysis failed: {exc!r}")
        return AnalysisRun.objects.get(pk=run_id)
    if echo is not None and run.status == RunStatus.DONE:
        echo(1.0)
    return run


@transaction.atomic
def _store(run: AnalysisRun, frame, result) -> AnalysisRun:
    locked = AnalysisRun.objects.select_for_update().get(pk=run.pk)
    if locked.status != RunStatus.RUNNING:  # failed or re-claimed meanwhile: keep what is there
        return locked
    table = result.moments
    summary = _json_safe(result.summary)
    summary["surveys"] = [
        {"id": s.pk, "name": s.name, "data_version": s.data_version} for s in run.surveys.order_by(*WAVE_ORDER)
    ]
    summary["segment_filter"] = run.segment_filter
    summary["scale"] = list(frame.scale)
    # summary["weighted"] and ["n_effective"] (Kish) come from the engine; the loader says how it filled gaps
    summary["weight_note"] = frame.weight_note
    # The outcome by name (issue 11): the pages, exports and API say which outcome the impact is on.
    summary["outcome_name"] = getattr(frame, "outcome_name", "") or ("NPS" if frame.outcome_type == "nps" else "")
    summary["outcome_unit"] = getattr(frame, "outcome_unit", "") or ""
    summary["outcome_primary"] = not run.outcome
    rows = []
    for j, moment in enumerate(frame.moments):
        row = table.iloc[j]
        rows.append(
            MomentResult(
                run=locked,
                moment=moment,
                rank=int(row["rank"]),
                quadrant=str(row["quadrant"]),
                satisfaction=_num(row["satisfaction"]),
                satisfaction_low=_num(row["satisfaction_low"]),
                satisfaction_high=_num(row["satisfaction_high"]),
                top_box=_num(row["top_box"]),
                impact=_num(row["impact"]),
                impact_low=_num(row["impact_low"]),
                impact_high=_num(row["impact_high"]),
                correlation=_num(row["correlation"]),
                reach=_num(row["reach"]),
                n=int(row["n"]),
                occurrence_effect=_num(row["occurrence_effect"]),
                occurrence_low=_num(row["occurrence_low"]),
                occurrence_high=_num(row["occurrence_high"]),
                stability=_num(row["stability"]),
                is_uncertain=bool(row["uncertain"]),
                is_pain_point=bool(row["pain_point"]),
                is_insufficient=bool(row["insufficient_data"]),
                what_if=_num(row["what_if"]),
                what_if_low=_num(row["what_if_low"]),
                what_if_high=_num(row["what_if_high"]),
            )
        )
    MomentResult.objects.filter(run=locked).delete()
    MomentResult.objects.bulk_create(rows)
    now = timezone.now()
    locked.status = RunStatus.DONE
    locked.progress = 1.0
    locked.summary = summary
    locked.message = summary.get("method_note") or ""
    locked.finished_at = now
    locked.heartbeat_at = now
    locked.save(update_fields=["status", "progress", "summary", "message", "finished_at", "heartbeat_at"])
    return locked


def analysis_compare(*, run_before: AnalysisRun, run_after: AnalysisRun) -> pd.DataFrame:
    """Per moment in both runs: change in satisfaction (0-100 points) and impact, quadrants before and after,
    ``moved`` and ``significant`` (``moments.analysis.compare_waves``). Columns: moment_id, moment (name), then
    those of ``compare_waves`` after ``moment``. In the after run's rank order."""

    def frame(run: AnalysisRun) -> pd.DataFrame:
        results = MomentResult.objects.filter(run=run).order_by("rank")
        records = list(
            results.values("moment_id", "satisfaction", "satisfaction_low", "satisfaction_high", "impact", "quadrant")
        )
        data = pd.DataFrame(
            records,
            columns=["moment_id", "satisfaction", "satisfaction_low", "satisfaction_high", "impact", "quadrant"],
        )
        data.insert(0, "moment", data.pop("moment_id").astype("int64").astype("str"))
        numeric = ["satisfaction", "satisfaction_low", "satisfaction_high", "impact"]
        data[numeric] = data[numeric].astype("float64")
        return data

    compared = compare_waves(frame(run_before), frame(run_after))
    ids = compared["moment"].astype("int64")
    names = dict(run_after.journey.moments.values_list("pk", "name"))
    compared.insert(0, "moment_id", ids)
    compared["moment"] = ids.map(names).astype("str")
    return compared


def analysis_runs_sweep_stale() -> int:
    """Re-sends the analysis runs stuck QUEUED or RUNNING (a lost message, a worker that died); returns how many.
    The rule is the one of every job kind (``cxapp.jobs.jobs_sweep_stale``); beat runs it every minute
    (``moments.sweep_stale_runs``)."""
    return len(jobs_sweep_stale(RUN_JOB))


# ------------------------------------------------------------------------------------------------ demo
DEMO_ORGANISATION_SLUG = "demo"
DEMO_PASSWORD = "momentum-demo"  # noqa: S105 - the demo's published password, printed by load_demo
DEMO_USERS = (("analyst", Role.ANALYST), ("manager", Role.VIEWER), ("admin", Role.ADMIN))


@dataclass
class DemoLoaded:
    journey: Journey
    surveys: list
    runs: list[AnalysisRun]
    logins: list[tuple[str, str]]


def demo_load(
    *, seed: int = 7, respondents_per_wave: int = 3000, echo: Callable[[str], None] | None = None
) -> DemoLoaded:
    """(Re)creates the "Demo" organisation's Broadband journey from ``generate_broadband`` and analyses it.

    Steps: delete the Demo organisation's journeys (their waves, responses and runs go with them); create the
    journey, its moments (stage, position, aliases, brand flag) and two waves (scale 1-10; outcomes NPS, Retention
    and Cross-sell, ``generator.DEMO_OUTCOMES``); store the responses with ``surveys.services.responses_store``
    (ratings rescaled to 0-100, the three outcomes, region and plan as segments); create the users analyst
    (analyst), manager (viewer) and admin (admin, also Django superuser), password ``DEMO_PASSWORD``; then compute
    the default analysis of each wave and of both waves together, and Retention's and Cross-sell's of the latest
    wave, synchronously.
    """
    from moments.demo.generator import DEMO_OUTCOMES, generate_broadband
    from surveys.models import Survey
    from surveys.outcomes import Outcome
    from surveys.services import responses_store

    say = echo or (lambda _message: None)
    demo = generate_broadband(seed=seed, respondents_per_wave=respondents_per_wave)
    low, high = demo.scale
    with transaction.atomic():
        organisation, _ = Organisation.objects.get_or_create(slug=DEMO_ORGANISATION_SLUG, defaults={"name": "Demo"})
        Journey.objects.filter(organisation=organisation).delete()
        journey = journey_create(
            organisation=organisation, name=demo.name, slug=demo.slug, description=demo.description
        )
        moments = [
            moment_create(
                journey=journey,
                name=m.name,
                slug=m.slug,
                stage=m.stage,
                position=m.position,
                description=m.description,
                is_brand_moment=m.is_brand_moment,
                aliases=list(m.aliases),
            )
            for m in demo.moments
        ]
        by_slug = {m.slug: m for m in moments}
        surveys = []
        for wave in demo.waves:
            survey = Survey.objects.create(
                journey=journey,
                name=wave.name,
                period_start=wave.period_start,
                period_end=wave.period_end,
                scale_min=low,
                scale_max=high,
                outcomes=[Outcome(name="NPS", type="nps").to_json()]
                + [Outcome(name=name, type=kind, positive=("yes",)).to_json() for name, kind in DEMO_OUTCOMES],
                data_version=1,
            )
            slugs = [m.slug for m in demo.moments]
            frame = wave.frame
            ratings = (frame[slugs].to_numpy(dtype=np.float64) - low) / (high - low) * 100.0
            counts = responses_store(
                survey=survey,
                moments=[by_slug[s] for s in slugs],
                respondent_id=frame["respondent_id"].to_numpy(dtype=object),
                outcomes={"NPS": frame["ltr"].to_numpy(dtype=np.float64), **wave.outcomes},
                ratings=ratings,
                submitted_at=frame["submitted_at"].to_numpy(),
                segments=frame[["region", "plan"]],
            )
            say(f"Wave {survey.name}: {counts.total} responses stored.")
            surveys.append(survey)
        logins = _demo_users_ensure(organisation)
    runs = []
    views = [([s.pk], "") for s in surveys] + [([s.pk for s in surveys], "")]
    # The other outcomes of the latest wave (the default view), so the side-by-side view opens complete.
    views += [([surveys[-1].pk], name) for name, _kind in DEMO_OUTCOMES]
    for survey_ids, outcome in views:
        run = analysis_request(journey=journey, survey_ids=survey_ids, outcome=outcome, enqueue=False)
        run = analysis_run_compute(run_id=run.pk)
        waves = ", ".join(s.name for s in surveys if s.pk in survey_ids)
        say(f"Analysis {run.pk} of {waves} ({outcome or 'NPS'}): {run.status}.")
        runs.append(run)
    return DemoLoaded(journey=journey, surveys=surveys, runs=runs, logins=logins)


def _demo_users_ensure(organisation: Organisation) -> list[tuple[str, str]]:
    """The demo's users with their published password and roles; (username, role label) each."""
    logins = []
    User = get_user_model()
    for username, role in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        if username == "admin":
            user.is_staff = user.is_superuser = True
        user.save()
        Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
        logins.append((username, str(Role(role).label)))
    return logins
