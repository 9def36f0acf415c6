"""``python manage.py load_demo``: the seeded Broadband demo journey, demo users, and its analysis."""

import time

from django.core.management.base import BaseCommand

from moments.services import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = (
        "Builds the 'Demo' organisation from the seeded generator (Broadband journey, two waves), creates the demo "
        "users analyst / manager / admin, runs the analysis of each wave and of both, and prints the logins. "
        "Idempotent: the Demo organisation's data is recreated."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7, help="Generator seed (default 7).")
        parser.add_argument("--respondents", type=int, default=3000, help="Respondents per wave (default 3000).")

    def handle(self, *args, seed: int, respondents: int, **options):
        started = time.monotonic()
        result = demo_load(seed=seed, respondents_per_wave=respondents, echo=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Demo loaded in {time.monotonic() - started:.1f} s."))
        for run in result.runs:
            waves = ", ".join(s["name"] for s in run.summary.get("surveys", []))
            outcome = run.summary.get("outcome")
            nps = "-" if outcome is None else f"{outcome:+.1f}"
            self.stdout.write(f"  analysis {run.pk} [{waves}]: {run.status}, n={run.summary.get('n')}, NPS {nps}")
        self.stdout.write(f"Logins (password for all: {DEMO_PASSWORD}):")
        for username, role in result.logins:
            self.stdout.write(f"  {username:<8} {role}")
