"""Fixtures of the security suite: throttle counters in the shared Redis cache are cleared around each test."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

THROTTLE_PATTERNS = ("*momentum:login-throttle*", "*throttle_*")


def throttle_keys_clear() -> None:
    """Deletes login and DRF throttle counters: the Redis cache is shared by every test of the session."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        cache.clear()  # a process-local cache: nothing else shares it
        return
    client = cache._cache.get_client(write=True)
    for pattern in THROTTLE_PATTERNS:
        keys = list(client.scan_iter(match=pattern))
        if keys:
            client.delete(*keys)


@pytest.fixture
def clean_throttles():
    throttle_keys_clear()
    yield
    throttle_keys_clear()


# ---------------------------------------------------------------------------------------------------- two tenants
FOREIGN_PK = 900_000  # the foreign organisation's objects get ids no own object can have
FOREIGN_MARKERS = (
    "Acme Broadband",
    "Leakjourney",
    "leakjourney-slug",
    "Leakdescription",
    "Leakmoment",
    "Leakstage",
    "Leakwave",
    "leakresp-",
    "Leakregion",
    "leakupload.csv",
    "leakcolumn",
    "leakerror",
    "leakresp-member",
)


@dataclass
class Tenants:
    """Two organisations with the same kinds of data: ``own`` (globex: the outsider's) and ``foreign`` (acme)."""

    own: dict[str, int]
    foreign: dict[str, int]
    markers: tuple[str, ...] = FOREIGN_MARKERS

    @property
    def foreign_ids(self) -> set[int]:
        return {v for k, v in self.foreign.items() if k not in ("organisation", "membership")}


def _csv(header: list[str], rows: int, prefix: str) -> bytes:
    lines = [",".join(header)]
    for i in range(rows):
        lines.append(",".join([f"{prefix}{i:04d}", str(i % 11), *[str(1 + (i * (j + 3)) % 10) for j in range(3)]]))
    return ("\n".join(lines) + "\n").encode()


# Ordinary names for an organisation whose data is not a leak marker (the roles and fuzz tests' own tenant).
PLAIN_NAMES = {
    "journey": "Broadband",
    "slug": "broadband",
    "description": "",
    "moment": "Order",
    "stage": "Buy",
    "wave": "Q1",
    "respondent": "r-",
    "region": "East",
    "upload": "q1.csv",
    "column": "q",
    "error": "bad",
}


def tenant_build(organisation, *, names: dict[str, str], pk_base: int | None, upload_root: Path) -> dict[str, int]:
    """A journey with three moments, one wave of 60 responses stored through the real bulk store, an upload
    waiting for its mapping (its file on disk), and a DONE analysis run computed by the real service."""
    from moments.services import analysis_run_compute
    from tests.factories import (
        AnalysisRunFactory,
        JourneyFactory,
        MomentFactory,
        SurveyFactory,
        UploadFactory,
        persona_make,
        wave_with_responses,
    )

    def pk(offset: int) -> dict:
        return {} if pk_base is None else {"pk": pk_base + offset}

    journey = JourneyFactory(
        **pk(1),
        organisation=organisation,
        name=names["journey"],
        slug=names["slug"],
        description=names["description"],
    )
    moments = [
        MomentFactory(
            **pk(11 + j),
            journey=journey,
            name=f"{names['moment']} {j}",
            slug=f"m{j}",
            stage=names["stage"],
            position=j,
        )
        for j in range(3)
    ]
    survey = SurveyFactory(**pk(21), journey=journey, name=names["wave"])
    rng = np.random.default_rng(7)
    n = 60
    ratings = rng.integers(0, 101, size=(n, 3)).astype(float)
    ratings[rng.random((n, 3)) > 0.9] = np.nan
    outcome = np.clip(np.rint(np.nan_to_num(ratings, nan=50).mean(axis=1) / 10 + rng.normal(0, 1, n)), 0, 10)
    survey = wave_with_responses(
        journey,
        survey.name,
        [m.slug for m in moments],
        ratings,
        outcome,
        respondent_id=np.array([f"{names['respondent']}{i:04d}" for i in range(n)], dtype=object),
        segments=pd.DataFrame({"region": [names["region"]] * n}),
    )
    upload = UploadFactory(
        **pk(31),
        organisation=organisation,
        journey=survey.journey,
        survey_name=survey.name,
        survey=survey,
        file_path=f"{organisation.pk}/{names['respondent']}upload.csv",
        root=upload_root,
        content=_csv(["ResponseId", "NPS", *[f"{names['column']}{j}" for j in range(3)]], 20, names["respondent"]),
        original_name=names["upload"],
        error_count=1,
        error_report=f"line,column,value,reason\n2,NPS,{names['error']},not a number\n",
    )
    run = AnalysisRunFactory(**pk(41), journey=journey, surveys=[survey], min_sample=30, bootstrap=20)
    run = analysis_run_compute(run_id=run.pk)
    assert run.status == "done", run.message
    member = persona_make(
        f"{names['respondent']}member",
        organisation=organisation,
        role="viewer",
        email="member@example.com",
        password=None,
    )
    return {
        "membership": member.memberships.get().pk,
        "organisation": organisation.pk,
        "journey": journey.pk,
        "moment": moments[0].pk,
        "survey": survey.pk,
        "upload": upload.pk,
        "run": run.pk,
    }


@pytest.fixture
def tenants(organisation, other_organisation, outsider, settings, tmp_path) -> Tenants:
    settings.UPLOAD_ROOT = tmp_path
    foreign = tenant_build(
        organisation,
        names={
            "journey": "Leakjourney Acme",
            "slug": "leakjourney-slug",
            "description": "Leakdescription of acme",
            "moment": "Leakmoment",
            "stage": "Leakstage",
            "wave": "Leakwave 2026",
            "respondent": "leakresp-",
            "region": "Leakregion",
            "upload": "leakupload.csv",
            "column": "leakcolumn",
            "error": "leakerror",
        },
        pk_base=FOREIGN_PK,
        upload_root=tmp_path,
    )
    own = tenant_build(
        other_organisation,
        names={
            "journey": "Globex Mobile",
            "slug": "mobile",
            "description": "Globex's own journey",
            "moment": "Shop visit",
            "stage": "Buy",
            "wave": "Wave 1",
            "respondent": "gx-",
            "region": "North",
            "upload": "globex.csv",
            "column": "q",
            "error": "bad",
        },
        pk_base=None,
        upload_root=tmp_path,
    )
    return Tenants(own=own, foreign=foreign)


def foreign_snapshot(organisation_id: int) -> dict:
    """Everything of one organisation that a write could change, and everything elsewhere that could point at it."""
    from cxapp.models import Membership
    from journeys.models import Journey, Moment
    from moments.models import AnalysisRun, MomentResult
    from surveys.models import Response, Survey, Upload

    journeys = Journey.objects.filter(organisation_id=organisation_id)
    surveys = Survey.objects.filter(journey__in=journeys)
    return {
        "journeys": list(journeys.order_by("pk").values()),
        "moments": list(Moment.objects.filter(journey__in=journeys).order_by("pk").values()),
        "surveys": list(surveys.order_by("pk").values()),
        "responses": list(
            Response.objects.filter(survey__in=surveys).order_by("pk").values_list("pk", "outcomes", "ratings")
        ),
        "uploads": list(Upload.objects.filter(survey__in=surveys).order_by("pk").values()),
        "uploads_of_org": Upload.objects.filter(organisation_id=organisation_id).count(),
        "runs": list(AnalysisRun.objects.filter(journey__in=journeys).order_by("pk").values("pk", "status")),
        "runs_using_its_waves": AnalysisRun.surveys.through.objects.filter(survey__in=surveys).count(),
        "results": MomentResult.objects.filter(moment__journey__in=journeys).count(),
        "memberships": list(Membership.objects.filter(organisation_id=organisation_id).values("user_id", "role")),
    }
