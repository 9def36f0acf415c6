"""The English words of the pure modules (``moments.analysis.advice``, ``moments.labels``) in the active language.

The engine is pure (no Django: the import-linter contract) and writes English; here, at the edge, its fixed
sentences are looked up by their English text in the catalogue, and the two with numbers in them (a pain point,
"protect it") are written again from the advice's action code with the numbers in the language's format. The
cautions beside an advice and the occurrence sentence are written again the same way (``cautions_text``,
``occurrence_sentence_text``); in English every function here gives back exactly the engine's text.
"""

from __future__ import annotations

import math
import re

from django.utils.formats import get_format, number_format
from django.utils.translation import get_language, gettext, gettext_noop, ngettext, pgettext

from .analysis.advice import Advice
from .analysis.advice import number_format as engine_number

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
        return pain_point_text(costs, brand=advice.text.startswith("Pain point on a brand moment"))
    if advice.action == "protect" and _finite(reach):
        share = number_format(round(100 * reach), decimal_pos=0) + "%"
        return gettext("Moment of truth that delights: protect it (%(share)s of customers already experience it).") % {
            "share": share
        }
    return gettext(advice.text)


def pain_point_text(costs: str, *, brand: bool) -> str:
    """The pain point's advice in the active language, ``costs`` already said ("score -19 points"): one place for
    the page's sentence (``advice_text``) and the XLSX export's (``moments.exports_words``)."""
    if brand:
        return gettext(
            "Pain point on a brand moment: customers who go through it %(costs)s merely by having it. "
            "Find what makes it cost loyalty and fix that; keep the moment."
        ) % {"costs": costs}
    return gettext(
        "Pain point: customers who go through it %(costs)s merely by having it. "
        "Remove the need for it (fix what causes it) rather than polish it."
    ) % {"costs": costs}


def _english() -> bool:
    return (get_language() or "en").startswith("en")


def local_digits(text: str) -> str:
    """A number written the English way by a pure module ("1,234.5", "-0.48") with the active language's
    separators ("1.234,5" in Dutch); signs, dashes and "%" are kept."""
    decimal, thousands = get_format("DECIMAL_SEPARATOR"), get_format("THOUSAND_SEPARATOR")
    if (decimal, thousands) == (".", ","):
        return text
    return text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)


def _n(value, unit: str, *, signed: bool = False, decimals: int | None = None) -> str:
    return local_digits(engine_number(value, unit, signed=signed, decimals=decimals))


def _interval(low, high, unit: str, *, signed: bool = False, decimals: int | None = None) -> str:
    if not (_finite(low) and _finite(high)):
        return "\u2013"
    return pgettext("an interval", "%(low)s to %(high)s") % {
        "low": _n(low, unit, signed=signed, decimals=decimals),
        "high": _n(high, unit, signed=signed, decimals=decimals),
    }


def _short(unit: str) -> str:
    return {"NPS points": gettext("points"), "percentage points": gettext("percentage points")}.get(unit, "")


def cautions_text(
    advice: Advice, *, reach: float | None, occurrence_effect: float | None, what_if: float | None, stability, unit: str
) -> list[str]:
    """The cautions beside an advice in the active language (English: exactly the engine's sentences).

    The engine writes three kinds (``moments.analysis.advice.moment_advice``); each is recognised by its opening
    words and written again from the same numbers. An unknown one is shown as the engine wrote it."""
    if _english():
        return list(advice.cautions)
    out = []
    for caution in advice.cautions:
        if caution.startswith("The occurrence effect (") and _finite(reach):
            out.append(
                gettext(
                    "The occurrence effect (%(effect)s %(unit)s) compares with only %(share)s of respondents; it may "
                    "say who those few customers are rather than what the moment does, so it is not read as a pain "
                    "point."
                )
                % {
                    "effect": _n(occurrence_effect, unit, signed=True, decimals=0),
                    "unit": _short(unit),
                    "share": _n(min(reach, 1.0 - reach), "share"),
                }
            )
        elif caution.startswith("The what-if is negative (") and _finite(what_if):
            out.append(
                gettext(
                    "The what-if is negative (%(what_if)s %(unit)s): once the other moments are held fixed, this "
                    "moment's own slope is negative, which usually means it overlaps with moments rated alongside "
                    "it. Read it as 'no gain expected', not as a reason to make it worse."
                )
                % {"what_if": _n(what_if, unit, signed=True), "unit": _short(unit)}
            )
        elif caution.startswith("Placement uncertain:") and _finite(stability):
            out.append(
                gettext("Placement uncertain: the same quadrant in %(share)s of resamples.")
                % {"share": _n(stability, "share")}
            )
        else:
            out.append(caution)
    return out


def occurrence_sentence_text(result) -> str:
    """A moment result's occurrence sentence (``MomentResult.occurrence_sentence``) in the active language:
    "-19 points, 95% interval -26 to -13; clearly beyond chance across the 11 moments tested"."""
    if _english() or not _finite(result.occurrence_effect):
        return result.occurrence_sentence
    summary = result.run.summary or {}
    marks = (summary.get("marks") or {}).get(result.moment.slug) or {}
    unit = summary.get("what_if_unit") or "NPS points"
    short = _short(unit) or gettext(unit)
    places = 0 if unit in ("NPS points", "percentage points") else None
    effect = result.occurrence_effect
    text = gettext("%(effect)s %(unit)s, 95%% interval %(interval)s") % {
        "effect": _n(effect, unit, signed=True, decimals=places),
        "unit": short,
        "interval": _interval(result.occurrence_low, result.occurrence_high, unit, signed=True, decimals=places),
    }
    tested = int(summary.get("moments_tested") or 0)
    q, fdr_q = marks.get("occurrence_q"), summary.get("fdr_q") or 0.05
    if _finite(q) and q <= fdr_q:
        text += ngettext(
            "; clearly beyond chance across the %(n)d moment tested",
            "; clearly beyond chance across the %(n)d moments tested",
            tested,
        ) % {"n": tested}
        if effect < 0 and not marks.get("occurrence_meaningful"):
            text += gettext(", but smaller than the %(min)s %(unit)s worth acting on") % {
                "min": _n(summary.get("pain_min_effect") or 5.0, unit, decimals=0),
                "unit": short,
            }
    else:
        text += ngettext(
            "; within what chance produces across the %(n)d moment tested",
            "; within what chance produces across the %(n)d moments tested",
            tested,
        ) % {"n": tested}
    if marks.get("occurrence_small_group"):
        share = marks.get("smaller_share")
        if _finite(share):
            text += gettext(
                "; the smaller group is small (%(share)s of respondents), so it may describe who those customers "
                "are rather than what the moment does"
            ) % {"share": _n(share, "share")}
        else:
            text += gettext(
                "; the smaller group is small, so it may describe who those customers are rather than what the "
                "moment does"
            )
    return text


def _moved_number(value, outcome_type: str) -> str:
    """``moments.analysis.moved._number`` with the language's decimal separator."""
    text = f"{value:.2f}" if outcome_type == "numeric" else f"{value:.0f}"
    return "0" if text in ("-0", "-0.00") else local_digits(text).replace("-", "\u2212")


def moved_sentence_text(result: dict) -> str:
    """The "What moved" sentence of a ``services_moved.moved_compute`` result in the active language (English:
    the engine's ``summary["sentence"]``, word for word), without its final full stop."""
    summary = result["summary"]
    if _english():
        return summary["sentence"]
    kind = summary["outcome_type"]
    name = gettext(summary["outcome_name"])
    unit = {"points": gettext("points"), "percentage points": gettext("percentage points")}.get(summary["unit"], "")
    change = summary["change"]
    if change is None:
        return gettext("%(name)s could not be compared.") % {"name": name}

    def num(v):
        return _moved_number(v, kind)

    size = num(abs(change)) + (f" {unit}" if unit else "")
    if change > 0 and num(change) != "0":
        head = gettext("%(name)s rose %(size)s") % {"name": name, "size": size}
    elif change < 0 and num(change) != "0":
        head = gettext("%(name)s fell %(size)s") % {"name": name, "size": size}
    else:
        head = gettext("%(name)s stayed level (%(change)s)") % {"name": name, "change": num(change)}
    head += gettext(" (95%% interval %(low)s to %(high)s)") % {
        "low": num(summary["change_low"]),
        "high": num(summary["change_high"]),
    }
    moved = [m for m in result["moments"] if m.get("significant") and m.get("contribution") is not None]
    moved.sort(key=lambda m: -abs(m["contribution"]))
    parts = []
    for m in moved:
        words = {
            "moment": m["name"],
            "contribution": num(m["contribution"]),
            "low": num(m["contribution_low"]),
            "high": num(m["contribution_high"]),
        }
        if abs(m["satisfaction_effect"]) >= abs(m["reach_effect"]):
            words |= {"before": f"{m['satisfaction_before']:.0f}", "after": f"{m['satisfaction_after']:.0f}"}
            sentence = (
                gettext("%(moment)s explains %(contribution)s (%(low)s to %(high)s) as its satisfaction rose from "
                        "%(before)s to %(after)s")
                if m["satisfaction_change"] > 0
                else gettext("%(moment)s explains %(contribution)s (%(low)s to %(high)s) as its satisfaction fell from "
                             "%(before)s to %(after)s")
            )  # fmt: skip
        else:
            words |= {"before": f"{100 * m['reach_before']:.0f}%", "after": f"{100 * m['reach_after']:.0f}%"}
            sentence = (
                gettext("%(moment)s explains %(contribution)s (%(low)s to %(high)s) as its reach rose from "
                        "%(before)s to %(after)s")
                if m["reach_change"] > 0
                else gettext("%(moment)s explains %(contribution)s (%(low)s to %(high)s) as its reach fell from "
                             "%(before)s to %(after)s")
            )  # fmt: skip
        parts.append(sentence % words)
    if not parts:
        text = head + gettext("; no moment moved measurably")
    else:
        tail = gettext("; nothing else moved measurably") if len(parts) < summary.get("moments_attributed", 0) else ""
        text = head + "; " + "; ".join(parts) + tail
    low, high, rest = summary.get("remainder_low"), summary.get("remainder_high"), summary.get("remainder")
    if low is not None and high is not None and (low > 0 or high < 0) and abs(rest) >= summary.get("min_effect", 0):
        text += gettext("; %(rest)s is not explained by the moments (%(low)s to %(high)s)") % {
            "rest": num(rest),
            "low": num(low),
            "high": num(high),
        }
    return text


# "What moved" messages (``services_moved``), stored in the cache in English and shown in the reader's language.
MOVED_MESSAGES = (
    (r"Computing what moved \(bootstrap over both periods\)\.\.\.",
     gettext_noop("Computing what moved (bootstrap over both periods)...")),
    (r"The comparison could not be queued yet; it is retried shortly\.",
     gettext_noop("The comparison could not be queued yet; it is retried shortly.")),
    (r"The two periods have different outcome types; compare periods of one outcome\.",
     gettext_noop("The two periods have different outcome types; compare periods of one outcome.")),
    (r"The period (?P<period>.+) has (?P<n>[0-9]+) responses: nothing to compare\.",
     gettext_noop("The period %(period)s has %(n)s responses: nothing to compare.")),
    (r"(?P<text>'[^']*') is not a date \(YYYY-MM-DD\), a month \(YYYY-MM\) or a quarter \(YYYY-Q1\)",
     gettext_noop("%(text)s is not a date (YYYY-MM-DD), a month (YYYY-MM) or a quarter (YYYY-Q1)")),
    (r"(?P<text>'[^']*'): the range ends before it starts",
     gettext_noop("%(text)s: the range ends before it starts")),
)  # fmt: skip
_MOVED_MESSAGES = [(re.compile(p + r"\Z"), m) for p, m in MOVED_MESSAGES]


def moved_message_text(message: str) -> str:
    """A "What moved" message in the active language (as written when English or not one of ``MOVED_MESSAGES``)."""
    if _english() or not message:
        return message
    for pattern, msgid in _MOVED_MESSAGES:
        match = pattern.match(message)
        if match:
            return gettext(msgid) % match.groupdict() if match.groupdict() else gettext(msgid)
    return message


# Why an analysis failed (``services.analysis_run_compute`` stores the English reason on the run).
RUN_MESSAGES = (
    (r"Some of the chosen waves do not belong to this journey\.",
     gettext_noop("Some of the chosen waves do not belong to this journey.")),
    (r"The journey has no survey waves yet: import responses first\.",
     gettext_noop("The journey has no survey waves yet: import responses first.")),
    (r"The journey has no moments\.", gettext_noop("The journey has no moments.")),
    (r"No responses with an outcome for these waves and segment filter\.",
     gettext_noop("No responses with an outcome for these waves and segment filter.")),
    (r"Analysis failed: (?P<error>.*)", gettext_noop("Analysis failed: %(error)s")),
    (r"Queued\. The job queue cannot be reached right now: the analysis starts by itself once it is back\.",
     gettext_noop("Queued. The job queue cannot be reached right now: the analysis starts by itself once it is "
                  "back.")),
    (r"The analysis stopped its worker (?P<tries>[0-9]+) times \(for example out of memory\) and was abandoned\. "
     r"Narrow the waves or segments, or ask an administrator to give the workers more memory\.",
     gettext_noop("The analysis stopped its worker %(tries)s times (for example out of memory) and was abandoned. "
                  "Narrow the waves or segments, or ask an administrator to give the workers more memory.")),
)  # fmt: skip
_RUN_MESSAGES = [(re.compile(p + r"\Z", re.DOTALL), m) for p, m in RUN_MESSAGES]


def run_message_text(message: str) -> str:
    """A failed analysis run's stored reason in the active language (as stored when English or unknown)."""
    if _english() or not message:
        return message
    for pattern, msgid in _RUN_MESSAGES:
        match = pattern.match(message)
        if match:
            return gettext(msgid) % match.groupdict() if match.groupdict() else gettext(msgid)
    return message


_SHAPLEY_NOTE = re.compile(
    r"Shapley \(LMG\) is exact only up to (?P<max>[0-9]+) moments; (?P<k>[0-9]+) moments have enough ratings, "
    r"so Johnson's relative weights were used \(they approximate Shapley values closely\)\.\Z"
)


def method_note_text(note: str) -> str:
    """The engine's note on the method it used (``summary["method_note"]``) in the active language."""
    match = _SHAPLEY_NOTE.match(note or "")
    if _english() or match is None:
        return note
    return (
        gettext(
            "Shapley (LMG) is exact only up to %(max)s moments; %(k)s moments have enough ratings, so Johnson's "
            "relative weights were used (they approximate Shapley values closely)."
        )
        % match.groupdict()
    )
