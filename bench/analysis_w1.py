"""Analysis of W1 as the app does it: load the matrix from PostgreSQL, then every number (DESIGN section 8).

    DJANGO_SETTINGS_MODULE=cxapp.settings.test python bench/analysis_w1.py --journey SLUG [--bootstrap 200]

Phases: ``load`` = ``moments.selectors.journey_ratings_frame`` (COPY TO STDOUT into arrays); ``analyse`` =
``moments.analysis.analyse`` with ``bootstrap`` resamples (0 = every number except stability and bootstrap
intervals). Each variant runs in its own process so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from bench.common import Stopwatch, emit  # noqa: E402
from journeys.models import Journey  # noqa: E402
from moments.analysis import AnalysisParams, analyse  # noqa: E402
from moments.selectors import journey_ratings_frame  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journey", required=True)
    parser.add_argument("--bootstrap", type=int, default=0)
    args = parser.parse_args(argv)
    journey = Journey.objects.get(slug=args.journey)
    sw = Stopwatch()
    with sw("load"):
        frame = journey_ratings_frame(journey=journey)
    params = AnalysisParams(min_n=settings.MOMENTUM_MIN_SAMPLE, bootstrap=args.bootstrap)
    with sw("analyse"):
        result = analyse(
            frame.ratings,
            frame.outcome,
            [m.slug for m in frame.moments],
            outcome_type=frame.outcome_type,
            experienced=frame.experienced,
            params=params,
        )
    emit({"n": frame.n, "k": len(frame.moments), "placed": result.summary["k_placed"], "phases": sw.phases})
    return 0


if __name__ == "__main__":
    sys.exit(main())
