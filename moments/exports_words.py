"""The XLSX exports' words and numbers in the active language, at the edge (README "Languages").

An XLSX file is read by people: under Dutch its sheet names, column headings, quadrant and flag names, advice,
"About" sheet (method, thresholds, filters, outcome with its interval, dates) and row labels are Dutch, with
decimal commas and dd-mm-jjjj dates in its text. Its numbers stay numbers (Excel shows them in its own locale).
In English every function here returns what ``moments.exports`` and ``moments.exports_moved`` wrote before:
the column codes as headings, the quadrant codes, the engine's sentences. The CSV and JSON exports never call
these: they stay machine-readable in every language.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from django.utils import formats, timezone
from django.utils.translation import get_language, gettext, pgettext, pgettext_lazy

from . import labels
from .words import FIXED_TEXTS, local_digits, pain_point_text

# A column's heading: its code in English, a Dutch heading under Dutch (the msgids are the codes).
HEADINGS = {
    "rank": pgettext_lazy("an export column", "rank"),
    "moment": pgettext_lazy("an export column", "moment"),
    "stage": pgettext_lazy("an export column", "stage"),
    "quadrant": pgettext_lazy("an export column", "quadrant"),
    "action": pgettext_lazy("an export column", "action"),
    "satisfaction": pgettext_lazy("an export column", "satisfaction"),
    "satisfaction_low": pgettext_lazy("an export column", "satisfaction_low"),
    "satisfaction_high": pgettext_lazy("an export column", "satisfaction_high"),
    "impact": pgettext_lazy("an export column", "impact"),
    "impact_low": pgettext_lazy("an export column", "impact_low"),
    "impact_high": pgettext_lazy("an export column", "impact_high"),
    "reach": pgettext_lazy("an export column", "reach"),
    "n": pgettext_lazy("an export column", "n"),
    "occurrence_effect": pgettext_lazy("an export column", "occurrence_effect"),
    "occurrence_low": pgettext_lazy("an export column", "occurrence_low"),
    "occurrence_high": pgettext_lazy("an export column", "occurrence_high"),
    "stability": pgettext_lazy("an export column", "stability"),
    "flags": pgettext_lazy("an export column", "flags"),
    "contribution": pgettext_lazy("an export column", "contribution"),
    "contribution_low": pgettext_lazy("an export column", "contribution_low"),
    "contribution_high": pgettext_lazy("an export column", "contribution_high"),
    "satisfaction_change": pgettext_lazy("an export column", "satisfaction_change"),
    "satisfaction_change_low": pgettext_lazy("an export column", "satisfaction_change_low"),
    "satisfaction_change_high": pgettext_lazy("an export column", "satisfaction_change_high"),
    "reach_change": pgettext_lazy("an export column", "reach_change"),
    "significant": pgettext_lazy("an export column", "significant"),
    "satisfaction_effect": pgettext_lazy("an export column", "satisfaction_effect"),
    "reach_effect": pgettext_lazy("an export column", "reach_effect"),
    "contribution_p": pgettext_lazy("an export column", "contribution_p"),
    "contribution_q": pgettext_lazy("an export column", "contribution_q"),
    "satisfaction_before": pgettext_lazy("an export column", "satisfaction_before"),
    "satisfaction_after": pgettext_lazy("an export column", "satisfaction_after"),
    "satisfaction_p": pgettext_lazy("an export column", "satisfaction_p"),
    "satisfaction_q": pgettext_lazy("an export column", "satisfaction_q"),
    "satisfaction_significant": pgettext_lazy("an export column", "satisfaction_significant"),
    "reach_before": pgettext_lazy("an export column", "reach_before"),
    "reach_after": pgettext_lazy("an export column", "reach_after"),
    "n_before": pgettext_lazy("an export column", "n_before"),
    "n_after": pgettext_lazy("an export column", "n_after"),
    "slope": pgettext_lazy("an export column", "slope"),
}

# A quadrant cell: the code in English, the quadrant's name under Dutch.
QUADRANTS = {
    "raise": pgettext_lazy("an export quadrant", "raise"),
    "amplify": pgettext_lazy("an export quadrant", "amplify"),
    "improve": pgettext_lazy("an export quadrant", "improve"),
    "reduce": pgettext_lazy("an export quadrant", "reduce"),
    "insufficient_data": pgettext_lazy("an export quadrant", "insufficient_data"),
}

# A flag: its code in English, its name under Dutch.
FLAGS = {
    "pain_point": pgettext_lazy("an export flag", "pain_point"),
    "uncertain": pgettext_lazy("an export flag", "uncertain"),
    "brand_moment": pgettext_lazy("an export flag", "brand_moment"),
    "insufficient_data": pgettext_lazy("an export flag", "insufficient_data"),
}

# The labels of the About sheets.
FACTS = {
    "Journey": pgettext_lazy("an export fact", "Journey"),
    "Waves": pgettext_lazy("an export fact", "Waves"),
    "Segment filter": pgettext_lazy("an export fact", "Segment filter"),
    "Impact method": pgettext_lazy("an export fact", "Impact method"),
    "Method note": pgettext_lazy("an export fact", "Method note"),
    "Impact unit": pgettext_lazy("an export fact", "Impact unit"),
    "Thresholds": pgettext_lazy("an export fact", "Thresholds"),
    "Minimum sample": pgettext_lazy("an export fact", "Minimum sample"),
    "Bootstrap resamples": pgettext_lazy("an export fact", "Bootstrap resamples"),
    "Respondents (n)": pgettext_lazy("an export fact", "Respondents (n)"),
    "Computed": pgettext_lazy("an export fact", "Computed"),
    "Generated": pgettext_lazy("an export fact", "Generated"),
    "Reading the table": pgettext_lazy("an export fact", "Reading the table"),
    "From": pgettext_lazy("an export fact", "From"),
    "To": pgettext_lazy("an export fact", "To"),
    "Outcome": pgettext_lazy("an export fact", "Outcome"),
    "Respondents": pgettext_lazy("an export fact", "Respondents"),
    "Change": pgettext_lazy("an export fact", "Change"),
    "In words": pgettext_lazy("an export fact", "In words"),
    "Model": pgettext_lazy("an export fact", "Model"),
    "Bootstrap": pgettext_lazy("an export fact", "Bootstrap"),
}

# The What moved sheet's last two rows.
ROWS = {
    "remainder": pgettext_lazy("an export row", "remainder"),
    "change": pgettext_lazy("an export row", "change"),
}


def _english() -> bool:
    return (get_language() or "en").startswith("en")


def xlsx_sheet(name: str) -> str:
    """A sheet's name ("Priorities", "About", "What moved", "Field", "Value" for the About sheet's heading)."""
    return {
        "Priorities": pgettext("an export sheet", "Priorities"),
        "About": pgettext("an export sheet", "About"),
        "What moved": pgettext("an export sheet", "What moved"),
        "Field": pgettext("an export sheet", "Field"),
        "Value": pgettext("an export sheet", "Value"),
    }.get(name, name)


def xlsx_heading(column: str) -> str:
    """A column's heading: its code in English ("satisfaction_low"), a Dutch heading under Dutch."""
    return str(HEADINGS.get(column, column))


def xlsx_quadrant(code: str) -> str:
    """A quadrant cell: the code in English ("raise"), the quadrant's name under Dutch ("Verhogen")."""
    if _english() or not code:
        return code
    return str(QUADRANTS.get(code, code))


def xlsx_flags(text: str) -> str:
    """The ";"-joined flag codes, as names under Dutch ("pijnpunt; merkmoment")."""
    if _english() or not text:
        return text
    return "; ".join(str(FLAGS.get(flag, flag)) for flag in text.split(";") if flag)


_PAIN = re.compile(
    r"(?P<brand>Pain point on a brand moment|Pain point): customers who go through it "
    r"(?:score (?P<effect>[+-]?[0-9]+)(?: (?P<unit>points|percentage points))?|score lower) merely by having it\. "
)
_PROTECT = re.compile(
    r"Moment of truth that delights: protect it \((?P<share>[0-9]+)% of customers already experience it\)\.\Z"
)


def xlsx_action(text: str) -> str:
    """The advice cell (the engine's English sentence, ``MomentResult.action``) in the active language."""
    if _english() or not text:
        return text
    if text in FIXED_TEXTS:
        return gettext(text)
    match = _PAIN.match(text)
    if match:
        if match["effect"]:
            value = int(match["effect"])
            effect = ("+" if value > 0 else "") + formats.number_format(value, decimal_pos=0)
            unit = {"points": gettext("points"), "percentage points": gettext("percentage points")}.get(
                match["unit"] or "", ""
            )
            costs = (gettext("score %(effect)s %(unit)s") % {"effect": effect, "unit": unit}).rstrip()
        else:
            costs = gettext("score lower")
        return pain_point_text(costs, brand=match["brand"] == "Pain point on a brand moment")
    match = _PROTECT.match(text)
    if match:
        return gettext("Moment of truth that delights: protect it (%(share)s of customers already experience it).") % {
            "share": match["share"] + "%"
        }
    return text


def _num(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return local_digits(f"{value:.{digits}f}")
    return str(value)


def _when(value) -> str:
    """An ISO date-time as dd-mm-jjjj uu:mm in the active time zone (the text of the About sheet)."""
    if not value:
        return "-"
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "DATETIME_FORMAT")


def _unit(value: str) -> str:
    if value == "% of R^2, signed":
        return gettext("{pct} of R², signed").format(pct="%")
    return gettext(value) if value else "-"


def priorities_about_rows(rows: list[tuple[str, str]], meta: Mapping) -> list[tuple[str, str]]:
    """The priorities workbook's About sheet (``exports._about_rows``) in the active language."""
    if _english():
        return rows
    outcome_type = meta.get("outcome_type", "nps")
    outcome = gettext(labels.outcome_label(outcome_type))
    unit = labels.outcome_unit(outcome_type)
    segment_filter = meta.get("segment_filter") or {}
    mode = meta.get("threshold_mode", "mean")
    values = {
        "Journey": ("Journey", _num(meta.get("journey"))),
        "Waves": ("Waves", ", ".join(meta.get("surveys") or []) or "-"),
        "Segment filter": (
            "Segment filter",
            "; ".join(f"{k} = {', '.join(map(str, v))}" for k, v in segment_filter.items())
            or gettext("none (everyone)"),
        ),
        "Impact method": ("Impact method", gettext(labels.method_label(meta.get("method") or "")) or "-"),
        "Method note": ("Method note", str(meta.get("method_note") or "")),
        "Impact unit": ("Impact unit", _unit(meta.get("impact_unit") or "")),
        "Thresholds": (
            "Thresholds",
            gettext("%(mode)s: satisfaction %(satisfaction)s, impact %(impact)s")
            % {
                "mode": gettext(labels.threshold_label(mode)),
                "satisfaction": _num(meta.get("threshold_satisfaction")),
                "impact": _num(meta.get("threshold_impact"), 2),
            },
        ),
        "Minimum sample": ("Minimum sample", _num(meta.get("min_sample"))),
        "Bootstrap resamples": ("Bootstrap resamples", _num(meta.get("bootstrap"))),
        "Respondents (n)": ("Respondents (n)", _num(meta.get("n"))),
        "Computed": ("Computed", _when(meta.get("computed_at"))),
        "Generated": ("Generated", _when(meta.get("generated_at"))),
        "Reading the table": (
            "Reading the table",
            gettext(
                "satisfaction 0-100 (mean of the ratings rescaled from the survey scale); impact: share of the "
                "outcome's explained variance in %, signed (correlation: Pearson r); reach: share of respondents "
                "who experienced the moment; occurrence effect: outcome of those who experienced it minus those who "
                "did not; stability: share of bootstrap resamples in the same quadrant."
            ),
        ),
    }
    out = []
    for label, value in rows:
        if label in values:
            key, text = values[label]
            out.append((str(FACTS[key]), text))
        elif label == labels.outcome_heading(outcome_type):  # the outcome's row: its name is the label
            out.append(
                (
                    f"{outcome} ({unit})" if unit else outcome,
                    gettext("%(value)s (95%% interval %(low)s to %(high)s)")
                    % {
                        "value": _num(meta.get("outcome")),
                        "low": _num(meta.get("outcome_low")),
                        "high": _num(meta.get("outcome_high")),
                    },
                )
            )
        else:  # a row this module does not know yet: as written
            out.append((label, value))
    return out


def moved_row_label(text: str) -> str:
    """The What moved sheet's last two rows ("remainder", "change") under Dutch; a moment's name as it is."""
    if _english() or text not in ("remainder", "change"):
        return text
    return str(ROWS[text])


def moved_about_rows(facts: list[tuple[str, str]], result: Mapping, sentence: str) -> list[tuple[str, str]]:
    """The What moved workbook's About sheet (``exports_moved.moved_xlsx``) in the active language."""
    if _english():
        return facts
    summary = result["summary"]

    def n(value) -> str:
        return formats.number_format(value, use_l10n=True, force_grouping=True) if value is not None else "-"

    def x(value) -> str:
        return local_digits(repr(value)) if isinstance(value, float) else _num(value)

    values = {
        "From": str(result["before"]["label"]),
        "To": str(result["after"]["label"]),
        "Outcome": gettext(str(summary["outcome_name"])),
        "Respondents": gettext("%(before)s and %(after)s")
        % {"before": n(summary["n_before"]), "after": n(summary["n_after"])},
        "Change": gettext("%(value)s (95%% interval %(low)s to %(high)s)")
        % {"value": x(summary["change"]), "low": x(summary["change_low"]), "high": x(summary["change_high"])},
        "In words": sentence,
        "Model": str(summary["model"]),
        "Bootstrap": gettext("%(n)s resamples, seed %(seed)s; FDR q = %(q)s")
        % {"n": summary["bootstrap"], "seed": summary["seed"], "q": x(summary["fdr_q"])},
    }
    return [(str(FACTS.get(label, label)), values.get(label, value)) for label, value in facts]
