"""The English words of the pure modules (``moments.analysis.advice``, ``moments.labels``) in the active language.

The engine is pure (no Django: the import-linter contract) and writes English; here, at the edge, its fixed
sentences are looked up by their English text in the catalogue, and the two with numbers in them (a pain point,
"protect it") are written again from the advice's action code with the numbers in the language's format.
The cautions beside an advice stay English for now (README "Languages").
"""

from __future__ import annotations

import math

from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop

from .analysis.advice import Advice

# The engine's fixed sentences, word for word (tests/i18n/test_advice_text.py checks they still match).
FIXED_TEXTS = (
    gettext_noop(
        "Too few moments to place: a quadrant compares moments with each other, and at least 3 need enough ratings."
    ),
    gettext_noop("Moment of truth that disappoints: raise satisfaction first."),
    gettext_noop("Moment of truth that delights: let more customers experience it."),
    gettext_noop("Improve where it is cheap; not a priority."),
    gettext_noop(
        "Brand moment that satisfies more than it moves loyalty: keep its standard, it carries the brand promise."
    ),
    gettext_noop("Over-delivering: reduce effort or cost here."),
    gettext_noop("Too few respondents experienced it to place it."),
)

# moments.labels (pure) names methods, thresholds and outcomes in English; the pages look them up here.
LABEL_TEXTS = (
    gettext_noop("Relative weights (Johnson 2000)"),
    gettext_noop("Shapley / LMG decomposition"),
    gettext_noop("Correlation (Pearson r)"),
    gettext_noop("Relative weights"),
    gettext_noop("Shapley / LMG"),
    gettext_noop("Correlation"),
    gettext_noop("mean of the placed moments"),
    gettext_noop("median of the placed moments"),
    gettext_noop("fixed"),
    gettext_noop("Mean"),
    gettext_noop("Median"),
    gettext_noop("Fixed targets"),
    gettext_noop("NPS"),
    gettext_noop("Outcome rate"),
    gettext_noop("Outcome mean"),
    gettext_noop("Outcome"),
    gettext_noop("NPS points"),
    gettext_noop("percentage points"),
    gettext_noop("outcome units"),
)


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def advice_text(
    advice: Advice, *, reach: float | None, occurrence_effect: float | None, unit: str, points: str | None = None
) -> str:
    """The advice's one sentence in the active language (English: exactly the engine's text). ``points``: the
    effect's unit naming the outcome ("percentage points of Retention", ``moments.outcomes``), when given."""
    if advice.action == "remove_need":
        if _finite(occurrence_effect) and round(occurrence_effect) != 0:
            effect = ("+" if occurrence_effect > 0 else "") + number_format(round(occurrence_effect), decimal_pos=0)
            points = points or (
                gettext("points")
                if unit == "NPS points"
                else (gettext("percentage points") if unit == "percentage points" else "")
            )
            costs = (gettext("score %(effect)s %(unit)s") % {"effect": effect, "unit": points}).rstrip()
        else:
            costs = gettext("score lower")
        if advice.text.startswith("Pain point on a brand moment"):
            return gettext(
                "Pain point on a brand moment: customers who go through it %(costs)s merely by having it. "
                "Find what makes it cost loyalty and fix that; keep the moment."
            ) % {"costs": costs}
        return gettext(
            "Pain point: customers who go through it %(costs)s merely by having it. "
            "Remove the need for it (fix what causes it) rather than polish it."
        ) % {"costs": costs}
    if advice.action == "protect" and _finite(reach):
        share = number_format(round(100 * reach), decimal_pos=0) + "%"
        return gettext("Moment of truth that delights: protect it (%(share)s of customers already experience it).") % {
            "share": share
        }
    return gettext(advice.text)
