"""The one way tests build rows: factory_boy factories over the product's own services.

Journeys and moments are made by ``journeys.services`` (the one slug rule, the name checks), a wave's responses by
the real bulk store ``surveys.services.responses_store`` (binary COPY on PostgreSQL) inside one transaction, never
row by row, and a computed run by ``moments.services``. Rows without a service of their own (organisations,
memberships, waves, uploads, run rows) are plain ``DjangoModelFactory`` rows.

- personas: ``persona_make("alice", organisation=org, role="analyst")`` (what the ``analyst``... fixtures use);
- ``wave_with_responses(journey, name, moment_slugs, ratings, outcome)``: one wave from a numpy matrix (several
  outcomes: ``outcomes={Outcome("NPS"): ltr, Outcome("Retention", "binary"): stays}``);
- ``SurveyFactory(outcomes=[Outcome(...), ...])``: a wave with named outcomes;
- ``random_wave_data(rng, n, k)``: a plausible matrix for it;
- ``journey_with_planted_quadrants(organisation)``: four moments planted one per quadrant, one seeded wave;
- ``broadband_journey(organisation)``: the demo generator's Broadband journey (two waves), its default view computed;
- ``run_compute(journey, **filters)``: the finished run, computed in this process (no worker).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import factory
import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from factory.django import DjangoModelFactory

from cxapp.models import Membership, Organisation
from journeys import services as journey_services
from journeys.models import Journey, Moment
from moments import services as moment_services
from moments.demo.generator import generate_broadband
from moments.models import AnalysisRun
from moments.selectors import analysis_params_key
from surveys.models import Survey, Upload
from surveys.outcomes import Outcome, default_outcome_name, outcome_key
from surveys.services import responses_store, survey_data_changed, survey_outcomes_ensure
from tests.conftest import PASSWORD


def _pk_plant(obj, pk: int | None):
    """Gives a row made by a service the id a test asked for (before anything points at it)."""
    if pk is not None and pk != obj.pk:
        type(obj).objects.filter(pk=obj.pk).update(**{type(obj)._meta.pk.attname: pk})
        obj.pk = pk
    return obj


# ---------------------------------------------------------------------------------------------------- people
class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")


class UserFactory(DjangoModelFactory):
    """A user with the suite's password (``password=None``: an unusable one)."""

    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = PASSWORD

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, **kwargs)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "viewer"


def persona_make(username: str, *, organisation: Organisation, role: str, **user_fields):
    """A user who is a ``role`` of ``organisation`` (the personas: alice, bob, carol, mallory)."""
    user = UserFactory(username=username, **user_fields)
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user


# ---------------------------------------------------------------------------------------------------- journeys
class JourneyFactory(DjangoModelFactory):
    """A journey made by ``journeys.services.journey_create``: without ``slug``, the slug rule makes it."""

    class Meta:
        model = Journey

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Journey {n}")
    slug = None
    description = ""

    @classmethod
    def _create(cls, model_class, *args, pk=None, **kwargs):
        return _pk_plant(journey_services.journey_create(**kwargs), pk)


class MomentFactory(DjangoModelFactory):
    """A moment made by ``journeys.services.moment_create`` (without ``position``: at the end of the journey)."""

    class Meta:
        model = Moment

    journey = factory.SubFactory(JourneyFactory)
    name = factory.Sequence(lambda n: f"Moment {n}")
    slug = None
    stage = ""
    position = None
    is_brand_moment = False

    @classmethod
    def _create(cls, model_class, *args, pk=None, **kwargs):
        return _pk_plant(journey_services.moment_create(**kwargs), pk)


def journey_with_moments(organisation, slugs: Sequence[str], *, slug: str = "broadband") -> Journey:
    """Journey ``slug`` (named after it) with one moment per slug, in that order, named after its slug."""
    journey = JourneyFactory(organisation=organisation, name=slug.title(), slug=slug)
    for moment_slug in slugs:
        MomentFactory(journey=journey, name=moment_slug.replace("-", " ").title(), slug=moment_slug)
    return journey


# ---------------------------------------------------------------------------------------------------- waves
class SurveyFactory(DjangoModelFactory):
    """A wave without responses (``wave_with_responses`` stores some)."""

    class Meta:
        model = Survey

    journey = factory.SubFactory(JourneyFactory)
    name = factory.Sequence(lambda n: f"Wave {n}")
    scale_min = 1
    scale_max = 10

    @classmethod
    def _create(cls, model_class, *args, outcome_type: str | None = None, outcomes=None, **kwargs):
        """``outcomes``: a list of ``Outcome`` (or their JSON dicts), in array order; ``outcome_type`` alone: one
        outcome of that type named as an old single-outcome mapping would name it (``NPS`` for nps, else
        ``Outcome``); neither: no outcome yet (``responses_store(outcome=...)`` then adds ``NPS``)."""
        if outcomes is None and outcome_type is not None:
            outcomes = [Outcome(name=default_outcome_name(type=outcome_type, column=None), type=outcome_type)]
        kwargs["outcomes"] = [o.to_json() if isinstance(o, Outcome) else dict(o) for o in outcomes or []]
        return super()._create(model_class, *args, **kwargs)


def _outcome_guess(name: str, values: np.ndarray) -> Outcome:
    """An outcome of a test wave from its name and values: ``NPS`` is nps, 0/1 values binary, else numeric."""
    finite = values[np.isfinite(values)]
    if outcome_key(name) == "nps":
        return Outcome(name=name, type="nps")
    if np.isin(finite, [0.0, 1.0]).all():
        return Outcome(name=name, type="binary", positive=("1",))
    return Outcome(name=name, type="numeric")


def wave_with_responses(
    journey: Journey,
    name: str,
    moment_slugs: Sequence[str],
    ratings: np.ndarray,
    outcome: np.ndarray | None = None,
    *,
    outcomes: Mapping[str | Outcome, np.ndarray] | None = None,
    segments: pd.DataFrame | None = None,
    experienced: np.ndarray | None = None,
    prefix: str | None = None,
    respondent_id: np.ndarray | None = None,
    outcome_type: str = "nps",
    **survey_fields,
) -> Survey:
    """Wave ``name`` of ``journey`` (made if new) with these responses stored by the real bulk store, as an import
    does: one transaction, then the wave's data version bumped.

    ``ratings``: n x len(moment_slugs), columns follow ``moment_slugs``, satisfaction on 0-100, NaN = not
    experienced; ``outcome``: n values of the wave's first outcome (LTR 0-10 for nps, a new wave's outcome is of
    ``outcome_type``); ``outcomes``: several, ``{Outcome or name: n values}`` (a bare name's type is guessed:
    ``NPS`` nps, 0/1 binary, else numeric), added to the wave in this order (``survey_outcomes_ensure``).
    Respondent ids are ``{prefix or name}-00000``... unless ``respondent_id`` gives them.
    """
    survey = Survey.objects.filter(journey=journey, name=name).first() or SurveyFactory(
        journey=journey, name=name, outcome_type=None if outcomes else outcome_type, **survey_fields
    )
    moments = [journey.moments.get(slug=s) for s in moment_slugs]
    by_name: dict[str, np.ndarray] = {}
    if outcomes:
        specs = []
        for key, values in outcomes.items():
            values = np.asarray(values, dtype=float)
            spec = key if isinstance(key, Outcome) else _outcome_guess(key, values)
            specs.append(spec)
            by_name[spec.name] = values
        survey_outcomes_ensure(survey=survey, outcomes=specs)
    n = len(outcome) if outcome is not None else len(next(iter(by_name.values())))
    if respondent_id is None:
        respondent_id = np.array([f"{prefix or name}-{i:05d}" for i in range(n)], dtype=object)
    with transaction.atomic():  # responses_store stages through a temporary table dropped on commit
        responses_store(
            survey=survey,
            moments=moments,
            respondent_id=np.asarray(respondent_id, dtype=object),
            outcome=None if outcome is None else np.asarray(outcome, dtype=float),
            outcomes=by_name or None,
            ratings=np.asarray(ratings, dtype=float),
            experienced=experienced,
            segments=segments,
        )
    survey_data_changed(survey=survey)
    survey.refresh_from_db()
    return survey


def random_wave_data(rng: np.random.Generator, n: int, k: int, reach: float = 0.7):
    """Ratings on the 1-10 grid rescaled to 0-100 (NaN where not experienced) and a related LTR 0-10."""
    raw = rng.integers(1, 11, size=(n, k)).astype(float)
    ratings = (raw - 1) / 9 * 100
    ratings[rng.random((n, k)) > reach] = np.nan
    drive = np.nan_to_num(ratings, nan=50.0).mean(axis=1) / 10
    ltr = np.clip(np.rint(drive + rng.normal(0, 1.5, n)), 0, 10)
    return ratings, ltr


PLANTED_MOMENTS = [
    # slug, stage, position, planted impact weight, mean rating (0-100), reach
    ("billing", "Use", 3, 1.6, 35.0, 0.9),  # low satisfaction, high impact -> raise
    ("installation", "Get connected", 2, 1.6, 80.0, 0.9),  # high, high -> amplify
    ("welcome-pack", "Buy", 1, 0.1, 35.0, 0.9),  # low, low -> improve
    ("app-login", "Use", 4, 0.1, 80.0, 0.9),  # high, low -> reduce
]


def journey_with_planted_quadrants(organisation, *, slug: str = "onboarding", n: int = 400, seed: int = 1) -> Journey:
    """Journey ``slug`` with the four ``PLANTED_MOMENTS`` (installation is the brand moment) and one wave "Wave 1"
    of ``n`` seeded NPS responses (respondents ``r0``..., segment region North/South alternating): the LTR is
    driven by the planted impact weights, so the engine must put each moment in its planted quadrant."""
    journey = JourneyFactory(organisation=organisation, name=slug.title(), slug=slug)
    for s, stage, position, *_ in PLANTED_MOMENTS:
        MomentFactory(
            journey=journey,
            name=s.replace("-", " ").title(),
            slug=s,
            stage=stage,
            position=position,
            is_brand_moment=s == "installation",
        )
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, len(PLANTED_MOMENTS)))
    weights = np.array([m[3] for m in PLANTED_MOMENTS])
    means = np.array([m[4] for m in PLANTED_MOMENTS])
    reach = np.array([m[5] for m in PLANTED_MOMENTS])
    ratings = np.clip(means + 15 * z, 0, 100)
    ratings[rng.random((n, len(PLANTED_MOMENTS))) > reach] = np.nan
    ltr = np.clip(np.round(7 + z @ weights + 0.8 * rng.standard_normal(n)), 0, 10)
    wave_with_responses(
        journey,
        "Wave 1",
        [m[0] for m in PLANTED_MOMENTS],
        ratings,
        ltr,
        respondent_id=np.array([f"r{i}" for i in range(n)], dtype=object),
        segments=pd.DataFrame({"region": np.where(np.arange(n) % 2 == 0, "North", "South")}),
    )
    return journey


def broadband_journey(organisation, *, respondents_per_wave: int = 600, compute: bool = True) -> Journey:
    """The demo generator's Broadband journey stored in ``organisation`` (two waves), with the default analysis of
    the latest wave computed synchronously when ``compute``."""
    demo = generate_broadband(seed=7, respondents_per_wave=respondents_per_wave)
    low, high = demo.scale
    journey = JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")
    for m in demo.moments:
        MomentFactory(
            journey=journey,
            name=m.name,
            slug=m.slug,
            stage=m.stage,
            position=m.position,
            is_brand_moment=m.is_brand_moment,
            aliases=list(m.aliases),
        )
    slugs = [m.slug for m in demo.moments]
    for wave in demo.waves:
        frame = wave.frame
        wave_with_responses(
            journey,
            wave.name,
            slugs,
            (frame[slugs].to_numpy(dtype=np.float64) - low) / (high - low) * 100.0,
            frame["ltr"].to_numpy(dtype=np.float64),
            respondent_id=frame["respondent_id"].to_numpy(dtype=object),
            segments=frame[["region", "plan"]],
            period_start=wave.period_start,
            period_end=wave.period_end,
            scale_min=low,
            scale_max=high,
        )
    if compute:
        latest = journey.surveys.order_by("period_start").last()
        run_compute(journey, survey_ids=[latest.pk])
    return journey


# ---------------------------------------------------------------------------------------------------- uploads
class UploadFactory(DjangoModelFactory):
    """An upload row into wave ``survey`` (its journey and ``survey_name`` follow; ``survey=None`` with ``journey``
    and ``survey_name``: a wave the import has not made yet); ``content`` (bytes) is written to its file under
    ``root`` (default ``UPLOAD_ROOT``) and sets ``size_bytes``."""

    class Meta:
        model = Upload

    survey = factory.SubFactory(SurveyFactory)
    journey = factory.LazyAttribute(lambda o: o.survey.journey)
    survey_name = factory.LazyAttribute(lambda o: o.survey.name)
    organisation = factory.LazyAttribute(lambda o: o.journey.organisation)
    file_path = factory.LazyAttributeSequence(lambda o, n: f"{o.organisation.pk}/upload-{n}.csv")
    original_name = "upload.csv"
    detected_format = "csv"

    @classmethod
    def _create(cls, model_class, *args, content: bytes | None = None, root: Path | None = None, **kwargs):
        if content is not None:
            path = Path(root or settings.UPLOAD_ROOT) / kwargs["file_path"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            kwargs["size_bytes"] = len(content)
        return super()._create(model_class, *args, **kwargs)


# ---------------------------------------------------------------------------------------------------- runs
class AnalysisRunFactory(DjangoModelFactory):
    """A QUEUED run row over ``surveys`` (default: none) with the params key of its journey and waves."""

    class Meta:
        model = AnalysisRun

    journey = factory.SubFactory(JourneyFactory)
    params_key = None
    surveys: Sequence[Survey] = ()

    @classmethod
    def _create(cls, model_class, *args, surveys=(), **kwargs):
        if kwargs.get("params_key") is None:
            kwargs["params_key"] = analysis_params_key(journey=kwargs["journey"], survey_ids=[s.pk for s in surveys])
        run = super()._create(model_class, *args, **kwargs)
        run.surveys.set(surveys)
        return run


def run_compute(journey, **filters) -> AnalysisRun:
    """The finished run for ``filters`` (``analysis_request``'s arguments), computed in this process (no worker)."""
    run = moment_services.analysis_request(journey=journey, enqueue=False, **filters)
    return moment_services.analysis_run_compute(run_id=run.pk)
