"""What moved between two waves or two date ranges (issue 12): ``GET /api/journeys/<id>/moved/``.

Thin: parse the periods and the segment filter (the filter's one dialect, ``filters.filter_parse``), ask
``services_moved.moved_get`` (cached; small comparisons computed at once, large ones in the worker), answer the
numbers of ``explain_change --format json``.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..exports_moved import MOVED_FORMATS, moved_export
from ..filters import MAX_ID, filter_parse
from ..selectors.moved import PeriodSpec, period_parse
from ..services_moved import moved_get
from ..words import moved_message_text
from ._common import NOT_FOUND
from ._common import journey_or_404 as _journey_or_404

RETRY_SECONDS = 2


def _ids(values: list[str], name: str) -> list[int]:
    try:
        ids = [int(v) for v in values if v.strip()]
    except ValueError:
        raise ValidationError({name: [gettext("Wave ids are integers.")]}) from None
    if any(not 1 <= i <= MAX_ID for i in ids):
        raise ValidationError({name: [gettext("Not a wave id.")]})
    return ids


def periods_from_query(query, surveys: list) -> tuple[PeriodSpec, PeriodSpec]:
    """(before, after) from ``from=<wave id>`` / ``to=<wave id>`` (repeatable) or ``from_period`` /
    ``to_period`` date ranges (which ``from`` / ``to`` then restrict to those waves). 400 naming what is wrong."""
    names = {s.pk: s.name for s in surveys}
    sides = []
    for side in ("from", "to"):
        ids = _ids(query.getlist(side), side)
        unknown = [i for i in ids if i not in names]
        if unknown:
            raise ValidationError({side: [gettext("Not a wave of this journey: %(id)s.") % {"id": unknown[0]}]})
        period = (query.get(f"{side}_period") or "").strip()
        if period:
            try:
                sides.append(period_parse(period, survey_ids=ids))
            except ValueError as error:
                raise ValidationError({f"{side}_period": [moved_message_text(str(error))]}) from None
        elif ids:
            sides.append(PeriodSpec(survey_ids=tuple(sorted(ids)), label=" + ".join(names[i] for i in sorted(ids))))
        else:
            raise ValidationError(
                {side: [gettext("Give `%(side)s` (wave ids) or `%(side)s_period` (a date range).") % {"side": side}]}
            )
    return sides[0], sides[1]


EXAMPLE = {
    "before": {"label": "2026 Q1", "survey_ids": [1], "from": None, "to": None},
    "after": {"label": "2026 Q2", "survey_ids": [2], "from": None, "to": None},
    "summary": {
        "outcome_name": "NPS",
        "change": -15.2,
        "change_low": -19.4,
        "change_high": -11.0,
        "remainder": -3.1,
        "sentence": "NPS fell 15 points (95% interval -19 to -11); Installation explains -11 (-14 to -8) as its "
        "satisfaction fell from 49 to 40; nothing else moved measurably",
    },
    "columns": ["moment", "stage", "contribution", "contribution_low", "contribution_high", "..."],
    "moments": [{"moment": "Installation", "contribution": -11.3, "contribution_low": -14.2, "significant": True}],
    "remainder": {"moment": "remainder", "contribution": -3.1},
    "change": {"moment": "change", "contribution": -15.2},
}


class JourneyMovedApi(APIView):
    @extend_schema(
        summary="What moved: the outcome's change between two periods, split into one contribution per moment",
        description=(
            "The change of the outcome (NPS: difference of two adjusted-Wald estimates, 95% interval), one "
            "contribution per moment (satisfaction effect = slope x change of its mean satisfaction x reach, plus "
            "reach effect = occurrence effect x change of reach, from one driver model fitted on both periods), "
            "each with a bootstrap 95% interval and a Benjamini-Hochberg mark (`significant`), and the remainder; "
            "contributions + remainder = change. Each moment's satisfaction change has its own interval and mark. "
            "Same numbers as `manage.py explain_change --format json`. Large comparisons are computed in the "
            "worker: 202 until the answer is ready."
        ),
        tags=["analysis"],
        parameters=[
            OpenApiParameter(
                "from",
                {"type": "array", "items": {"type": "integer"}},
                explode=True,
                description="Wave id(s) of the first period.",
            ),  # fmt: skip
            OpenApiParameter(
                "to",
                {"type": "array", "items": {"type": "integer"}},
                explode=True,
                description="Wave id(s) of the second period.",
            ),  # fmt: skip
            OpenApiParameter(
                "from_period",
                OpenApiTypes.STR,
                description="Date range of `submitted_at` instead of waves: `2026-01..2026-03`, `2026-Q1`, `2026-01`, "
                "`2026-01-15..2026-02-14` (inclusive; with `from`, only those waves).",
            ),
            OpenApiParameter("to_period", OpenApiTypes.STR, description="Date range of the second period."),
            OpenApiParameter("segment.<name>", OpenApiTypes.STR, description="Segment filter, as for the analysis."),
            OpenApiParameter("outcome", OpenApiTypes.STR, description="Outcome name (default: the primary one)."),
            OpenApiParameter(
                "file", OpenApiTypes.STR, enum=sorted(MOVED_FORMATS), description="`csv` or `xlsx` downloads the table."
            ),
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, examples=[OpenApiExample("What moved", value=EXAMPLE)]),
            202: OpenApiResponse(OpenApiTypes.OBJECT, description="Computing in the worker: ask again (Retry-After)."),
            400: OpenApiResponse(description="A bad period, wave or segment parameter (named)."),
            404: NOT_FOUND,
            409: OpenApiResponse(description="Nothing to compare (an empty period, mixed outcomes): see `detail`."),
        },
    )
    def get(self, request, journey_id: int):
        journey = _journey_or_404(request, journey_id)
        surveys = selectors.journey_surveys(journey=journey)
        before, after = periods_from_query(request.query_params, surveys)
        parsed = filter_parse(request.query_params, journey=journey, surveys=surveys)
        segment_errors = {k: [v] for k, v in parsed.errors.items() if k.startswith(("segment", "seg_"))}
        if segment_errors:
            raise ValidationError(segment_errors)
        fmt = request.query_params.get("file", "json")
        if fmt not in MOVED_FORMATS:
            raise ValidationError({"file": [gettext("One of %(formats)s.") % {"formats": sorted(MOVED_FORMATS)}]})
        answer = moved_get(
            journey=journey,
            before=before,
            after=after,
            segment_filter=parsed.filter.segment_filter,
            outcome=request.query_params.get("outcome"),
        )
        if answer.status == "computing":
            return Response(
                {"status": "computing", "detail": moved_message_text(answer.message)},
                status=status.HTTP_202_ACCEPTED,
                headers={"Retry-After": str(RETRY_SECONDS)},
            )
        if answer.status == "failed":
            return Response(
                {"status": "failed", "detail": moved_message_text(answer.message)}, status=status.HTTP_409_CONFLICT
            )
        body, content_type = moved_export(fmt, answer.result)
        if fmt == "json":
            return Response(json.loads(body))
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{journey.slug}-moved.{fmt}"'
        return response
