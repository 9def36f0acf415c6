"""Profiles one page or API answer of the app under pyinstrument, as a bench user (after the bench import).

    DJANGO_SETTINGS_MODULE=cxapp.settings.test python bench/profile_view.py PATH [--repeat 5] [--html OUT.html]

Used where a web target is missed (bench/FINDINGS.md): warms the path once, then profiles ``--repeat`` answers
through Django's test client and prints the call tree (or writes it as HTML).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from pyinstrument import Profiler  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--user", default="bench-00")
    parser.add_argument("--html", type=Path)
    parser.add_argument(
        "--no-cache", action="store_true", help="answer with a dummy cache (what the page costs without its cache)"
    )
    args = parser.parse_args(argv)
    if args.no_cache:
        override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}).enable()
    client = Client()
    client.force_login(get_user_model().objects.get(username=args.user))
    status = client.get(args.path).status_code
    reset_queries()
    profiler = Profiler(interval=0.0005)
    timings = []
    with CaptureQueriesContext(connection) as queries:
        profiler.start()
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(args.path)
            timings.append(time.perf_counter() - started)
        profiler.stop()
    timings.sort()
    print(
        f"{args.path}: status {status}; {len(queries) / args.repeat:.0f} queries per answer; "
        f"ms per answer: median {timings[len(timings) // 2] * 1000:.0f}, all {[round(t * 1000) for t in timings]}"
    )
    if args.html:
        args.html.write_text(profiler.output_html())
    else:
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
