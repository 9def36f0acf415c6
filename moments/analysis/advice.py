"""One piece of advice per moment, and numbers written at the precision of their unit (issues 13 and 17).

The advice reads the quadrant, the flags and reach *together*, so that no two statements about one moment
contradict each other (issue 17 saw "Reduce: over-delivering, cut cost" beside "pain point: remove the need for
it" on the same row). Rules, in order:
1. A pain point (DESIGN section 2: significant after Benjamini-Hochberg and at least the minimum meaningful effect)
   overrides every quadrant: "remove the need for it". On a brand moment the advice is to fix what makes it cost
   loyalty, never to drop it.
2. Not placed: too few moments to place (fewer than 3: a quadrant compares moments with each other), or too few
   respondents.
3. Quadrants: raise; amplify says "let more customers experience it" only where reach leaves room (below
   ``REACH_ROOM``, 90%), else "protect it"; improve; reduce says "cut effort or cost" except on a brand moment,
   which is never told to cut cost.
Cautions (added, never contradicting the advice): an occurrence effect whose smaller group (experiencers or not)
is under a share of respondents (setting ``MOMENTUM_SMALL_GROUP_SHARE``, 5%) is shown with a caution and never
becomes "remove the need for it" (the airline's wifi "-58 points" came from 813 of 25,976 passengers, 3%); a
negative what-if says why; an uncertain placement says how stable it is.
Pure Python: no Django, no numpy needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

REACH_ROOM = 0.90  # "let more customers experience it" only below this reach
SMALL_GROUP_SHARE = 0.05  # default of the setting MOMENTUM_SMALL_GROUP_SHARE

# Decimals per unit: a correlation to 2 decimals, shares of R^2 and satisfaction to 1, NPS points to 0 or 1.
DECIMALS = {
    "r": 2,
    "% of R^2, signed": 1,
    "satisfaction": 1,
    "NPS points": 1,
    "percentage points": 1,
    "outcome units": 2,
    "share": 0,
}


def _finite(value) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def number_format(value, unit: str, *, signed: bool = False, decimals: int | None = None) -> str:
    """A number at the precision of its unit (``DECIMALS``): r to 2 decimals, % of R^2 to 1, and so on.

    unit "share" takes a 0-1 share and writes a percentage ("3%"). signed: always a sign ("+3.0", "-19.0").
    None / NaN -> "–" (an en dash: shown, never a fake number). Minus is written as a hyphen-minus for copying.
    """
    if not _finite(value):
        return "\u2013"
    places = DECIMALS.get(unit, 1) if decimals is None else decimals
    if unit == "share":
        value = 100.0 * value
    text = f"{value:+.{places}f}" if signed else f"{value:.{places}f}"
    if text.lstrip("+-").strip("0.") == "":  # -0.0 and +0.0 read as 0
        text = f"{0:.{places}f}"
    return text + ("%" if unit == "share" else "")


def interval_format(low, high, unit: str, *, signed: bool = False, decimals: int | None = None) -> str:
    """The interval as "low to high" at the unit's precision (or ``decimals``); a dash when an end is missing."""
    if not (_finite(low) and _finite(high)):
        return "\u2013"
    return " to ".join(number_format(v, unit, signed=signed, decimals=decimals) for v in (low, high))


@dataclass(frozen=True)
class Advice:
    """action: a code (remove_need, raise, amplify, protect, improve, reduce, keep_standard, too_few_moments,
    insufficient_data); text: the one sentence shown; cautions: sentences shown beside it (may be empty)."""

    action: str
    text: str
    cautions: tuple[str, ...] = field(default_factory=tuple)


def moment_advice(
    *,
    quadrant: str,
    pain_point: bool = False,
    brand_moment: bool = False,
    reach: float | None = None,
    occurrence_effect: float | None = None,
    what_if: float | None = None,
    few_moments: bool = False,
    stability: float | None = None,
    uncertain: bool = False,
    small_group_share: float = SMALL_GROUP_SHARE,
    unit: str = "NPS points",
) -> Advice:
    """The one advice for a moment (module docstring for the rules).

    quadrant: raise | amplify | improve | reduce | insufficient_data; pain_point: the engine's flag (it is already
    False where the smaller group is under small_group_share); reach 0-1; occurrence_effect and what_if in the
    outcome's unit (unit names it); few_moments: the run placed no quadrant because fewer than 3 moments had
    enough ratings; stability 0-1 with uncertain (below the cutoff).
    """
    cautions = []
    smaller = min(reach, 1.0 - reach) if _finite(reach) else None
    small_group = smaller is not None and smaller < small_group_share
    if _finite(occurrence_effect) and small_group:
        cautions.append(
            f"The occurrence effect ({number_format(occurrence_effect, unit, signed=True, decimals=0)} "
            f"{_short(unit)}) compares "
            f"with only {number_format(smaller, 'share')} of respondents; it may say who those few customers are "
            "rather than what the moment does, so it is not read as a pain point."
        )
        pain_point = False  # never "remove the need for it" from a handful of customers
    if _finite(what_if) and what_if < 0:
        cautions.append(
            f"The what-if is negative ({number_format(what_if, unit, signed=True)} {_short(unit)}): once the other "
            "moments are held fixed, this moment's own slope is negative, which usually means it overlaps with "
            "moments rated alongside it. Read it as 'no gain expected', not as a reason to make it worse."
        )
    if uncertain and _finite(stability) and quadrant != "insufficient_data":
        cautions.append(f"Placement uncertain: the same quadrant in {number_format(stability, 'share')} of resamples.")

    if pain_point:
        effect = number_format(occurrence_effect, unit, signed=True, decimals=0) if _finite(occurrence_effect) else ""
        costs = f"score {effect} {_short(unit)}".rstrip() if effect else "score lower"
        if brand_moment:
            return Advice(
                "remove_need",
                f"Pain point on a brand moment: customers who go through it {costs} merely by having it. "
                "Find what makes it cost loyalty and fix that; keep the moment.",
                tuple(cautions),
            )
        return Advice(
            "remove_need",
            f"Pain point: customers who go through it {costs} merely by having it. "
            "Remove the need for it (fix what causes it) rather than polish it.",
            tuple(cautions),
        )
    if few_moments:
        return Advice(
            "too_few_moments",
            "Too few moments to place: a quadrant compares moments with each other, and at least 3 need enough "
            "ratings.",
            tuple(cautions),
        )
    if quadrant == "raise":
        return Advice("raise", "Moment of truth that disappoints: raise satisfaction first.", tuple(cautions))
    if quadrant == "amplify":
        if _finite(reach) and reach >= REACH_ROOM:
            return Advice(
                "protect",
                f"Moment of truth that delights: protect it ({number_format(reach, 'share')} of customers "
                "already experience it).",
                tuple(cautions),
            )
        return Advice("amplify", "Moment of truth that delights: let more customers experience it.", tuple(cautions))
    if quadrant == "improve":
        return Advice("improve", "Improve where it is cheap; not a priority.", tuple(cautions))
    if quadrant == "reduce":
        if brand_moment:
            return Advice(
                "keep_standard",
                "Brand moment that satisfies more than it moves loyalty: keep its standard, it carries the brand "
                "promise.",
                tuple(cautions),
            )
        return Advice("reduce", "Over-delivering: reduce effort or cost here.", tuple(cautions))
    return Advice("insufficient_data", "Too few respondents experienced it to place it.", tuple(cautions))


def _short(unit: str) -> str:
    return {"NPS points": "points", "percentage points": "percentage points"}.get(unit, "")


def occurrence_sentence(
    *,
    effect,
    low,
    high,
    q,
    tested: int,
    meaningful: bool,
    small_group: bool,
    smaller_share=None,
    fdr_q: float = 0.05,
    min_effect: float = 5.0,
    unit: str = "NPS points",
) -> str:
    """The occurrence effect and both facts behind a pain point, in words, e.g.
    "-19 points, 95% interval -26 to -13; clearly beyond chance across the 11 moments tested".

    effect, low, high: the occurrence effect and its 95% interval (unit); q: its Benjamini-Hochberg adjusted
    p-value over the ``tested`` moments; meaningful: at least min_effect below zero; small_group: the smaller group
    is under the small-group share (smaller_share, 0-1, named when given). Empty string when there is no effect.
    """
    if not _finite(effect):
        return ""
    short = _short(unit) or unit
    places = 0 if unit in ("NPS points", "percentage points") else None  # whole points: the interval is wider
    text = (
        f"{number_format(effect, unit, signed=True, decimals=places)} {short}, 95% interval "
        f"{interval_format(low, high, unit, signed=True, decimals=places)}"
    )
    moments = f"the {tested} moment{'s' if tested != 1 else ''} tested"
    if _finite(q) and q <= fdr_q:
        text += f"; clearly beyond chance across {moments}"
        if effect < 0 and not meaningful:
            text += f", but smaller than the {number_format(min_effect, unit, decimals=0)} {short} worth acting on"
    else:
        text += f"; within what chance produces across {moments}"
    if small_group:
        share = f" ({number_format(smaller_share, 'share')} of respondents)" if _finite(smaller_share) else ""
        text += (
            f"; the smaller group is small{share}, so it may describe who those customers are rather than what "
            "the moment does"
        )
    return text
