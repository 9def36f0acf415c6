"""``python manage.py analyse --journey SLUG [--survey NAME ...] [--outcome NAME] [--method M]
[--threshold mean|median|fixed]``."""

import time

from django.utils.translation import gettext

from cxapp.management.language import LanguageCommand
from moments.labels import outcome_heading
from moments.selectors import priorities_frame
from moments.words import local_digits

from ._analysis_args import add_analysis_arguments, run_for_options


def _fmt(value, digits: int = 1, percent: bool = False) -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    return local_digits(f"{value * 100:.0f}%" if percent else f"{value:.{digits}f}")


class Command(LanguageCommand):
    help = (
        "Analyses a journey (the chosen waves; default the latest wave with responses, as on the dashboard) and "
        "prints the prioritised moments. Reuses a finished "
        "run with identical data and parameters; otherwise computes it here, synchronously."
    )
    # no system checks: they import every URLconf and view (and scipy with them) for nothing here
    requires_system_checks = []

    def add_arguments(self, parser):
        add_analysis_arguments(parser)

    def handle(self, *args, **options):
        started = time.monotonic()
        shown = {"step": -1}

        def echo(fraction: float) -> None:
            step = int(fraction * 10)
            if step > shown["step"]:
                shown["step"] = step
                self.stderr.write("  " + gettext("progress %(share)s") % {"share": local_digits(f"{fraction:4.0%}")})

        run = run_for_options(options, echo=echo)
        summary = run.summary
        self.stdout.write(
            gettext("Analysis %(run)s of %(journey)s: %(waves)s (%(seconds)s s)")
            % {
                "run": run.pk,
                "journey": run.journey.name,
                "waves": ", ".join(s["name"] for s in summary.get("surveys", [])),
                "seconds": _fmt(time.monotonic() - started),
            }
        )
        outcome_label = outcome_heading(summary.get("outcome_type"))
        if summary.get("outcome_name") and summary["outcome_name"] != outcome_label:
            outcome_label = f"{summary['outcome_name']} ({outcome_label})"
        self.stdout.write(
            gettext(
                "n = %(n)s, %(outcome)s %(value)s (95%% %(low)s to %(high)s); method %(method)s (%(unit)s); "
                "thresholds %(mode)s: satisfaction %(satisfaction)s, impact %(impact)s"
            )
            % {
                "n": summary.get("n"),
                "outcome": gettext(outcome_label) if outcome_label == "NPS" else outcome_label,
                "value": _fmt(summary.get("outcome")),
                "low": _fmt(summary.get("outcome_low")),
                "high": _fmt(summary.get("outcome_high")),
                "method": summary.get("method"),
                "unit": summary.get("impact_unit"),
                "mode": run.threshold_mode,
                "satisfaction": _fmt(summary.get("threshold_satisfaction")),
                "impact": _fmt(summary.get("threshold_impact"), 2),
            }
        )
        if summary.get("method_note"):
            self.stdout.write(gettext("Note: %(note)s") % {"note": summary["method_note"]})
        frame = priorities_frame(run=run)
        width = max([len("moment"), *(len(m) for m in frame["moment"])])
        self.stdout.write(
            f"{'rank':>4}  {'moment':<{width}}  {'quadrant':<17}  {'satisf.':>7}  {'impact':>7}  {'reach':>5}  flags"
        )
        for row in frame.itertuples(index=False):
            self.stdout.write(
                f"{row.rank:>4}  {row.moment:<{width}}  {row.quadrant:<17}  {_fmt(row.satisfaction):>7}  "
                f"{_fmt(row.impact, 2):>7}  {_fmt(row.reach, percent=True):>5}  {row.flags}"
            )
