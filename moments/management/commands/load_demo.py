"""``python manage.py load_demo``: the seeded Broadband demo journey, demo users, and its analysis."""

import time

from django.utils.translation import gettext

from cxapp.management.language import LanguageCommand
from moments.services import DEMO_PASSWORD, demo_load
from moments.words import local_digits


class Command(LanguageCommand):
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
        self.stdout.write(
            self.style.SUCCESS(
                gettext("Demo loaded in %(seconds)s s.")
                % {"seconds": local_digits(f"{time.monotonic() - started:.1f}")}
            )
        )
        for run in result.runs:
            waves = ", ".join(s["name"] for s in run.summary.get("surveys", []))
            outcome = run.summary.get("outcome")
            nps = "-" if outcome is None else local_digits(f"{outcome:+.1f}")
            self.stdout.write(
                "  "
                + gettext("analysis %(run)s [%(waves)s]: %(status)s, n=%(n)s, NPS %(nps)s")
                % {"run": run.pk, "waves": waves, "status": run.status, "n": run.summary.get("n"), "nps": nps}
            )
        self.stdout.write(gettext("Logins (password for all: %(password)s):") % {"password": DEMO_PASSWORD})
        for username, role in result.logins:
            self.stdout.write(f"  {username:<8} {role}")
