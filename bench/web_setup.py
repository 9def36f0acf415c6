"""Prepares the web load test: bench users with sessions, and finished analysis runs for the pages under test.

    DJANGO_SETTINGS_MODULE=cxapp.settings.test python bench/web_setup.py --journey SLUG --users 20 --out DIR

Writes ``DIR/sessions.txt`` (one session cookie per line: each simulated client is its own user, as 20 analysts
would be) and ``DIR/paths.txt`` (the dashboard page and the results API of the journey). Warms both through
Django's test client: a 202 ("still computing") is resolved by computing the queued runs here, so the load test
measures reads of finished results, not the queue.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from bench.common import emit  # noqa: E402
from cxapp.models import Membership  # noqa: E402
from journeys.models import Journey  # noqa: E402
from moments.models import AnalysisRun, RunStatus  # noqa: E402
from moments.services import analysis_run_compute  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journey", required=True)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    journey = Journey.objects.get(slug=args.journey)
    paths = [f"/journeys/{journey.pk}/", f"/api/journeys/{journey.pk}/analysis/"]
    user_model = get_user_model()
    cookies = []
    for i in range(args.users):
        user, _ = user_model.objects.get_or_create(username=f"bench-{i:02d}")
        Membership.objects.get_or_create(user=user, organisation=journey.organisation, defaults={"role": "viewer"})
        client = Client()
        client.force_login(user)
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}")
    client = Client()
    client.force_login(user_model.objects.get(username="bench-00"))
    statuses: dict[str, list[int]] = {}
    for _attempt in range(3):
        for path in paths:
            statuses.setdefault(path, []).append(client.get(path).status_code)
        queued = AnalysisRun.objects.filter(journey=journey, status=RunStatus.QUEUED).values_list("pk", flat=True)
        for run_id in list(queued):
            analysis_run_compute(run_id=run_id)
        if all(codes[-1] == 200 for codes in statuses.values()):
            break
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sessions.txt").write_text("\n".join(cookies) + "\n")
    (args.out / "paths.txt").write_text("\n".join(paths) + "\n")
    emit({"journey_id": journey.pk, "paths": paths, "warm_statuses": statuses})
    return 0 if all(codes[-1] == 200 for codes in statuses.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
