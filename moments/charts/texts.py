"""The words of the quadrant chart that are sentences, in the active language (gettext when a figure is built;
``moments/caching.py`` keys the cached figures by the language)."""

from __future__ import annotations

from django.utils.translation import gettext, ngettext


def hover_template(impact_unit: str, what_if_unit: str, outcome: str = "NPS") -> str:
    """The hover box of a point: names, then every number with its unit, in the active language; the impact line
    names the outcome it is on."""
    units = {"impact_unit": impact_unit, "what_if_unit": gettext(what_if_unit), "outcome": outcome}
    return "<b>%{customdata[1]}</b> · %{customdata[2]}<br>" + "<br>".join(
        (
            gettext("Quadrant: <b>{q}</b>"),
            gettext("Satisfaction: {sat} (0-100, {ci} interval)"),
            gettext("Impact on %(outcome)s: {impact} (%(impact_unit)s)") % units,
            gettext("Reach: {reach} · n = {n}"),
            gettext("Occurrence effect: {occ} %(what_if_unit)s") % units,
            gettext("Stability: {stab} of resamples in this quadrant"),
            gettext("What-if: {what_if} %(what_if_unit)s") % units,
            gettext("Flags: {flags}"),
        )
    ).format(
        q="%{customdata[3]}", sat="%{customdata[4]}", impact="%{customdata[5]}", reach="%{customdata[6]}",
        n="%{customdata[7]}", occ="%{customdata[8]}", stab="%{customdata[9]}", what_if="%{customdata[10]}",
        flags="%{customdata[11]}", ci="95%",
    ) + "<extra></extra>"  # fmt: skip


def too_few_message(placed: int, min_placed: int) -> str:
    """Why there is no quadrant: fewer than ``min_placed`` moments have enough respondents."""
    message = ngettext(
        "Only %(placed)d moment has enough respondents to be placed. A quadrant needs at least %(min)d to compare; "
        "the table lists every moment.",
        "Only %(placed)d moments have enough respondents to be placed. A quadrant needs at least %(min)d to "
        "compare; the table lists every moment.",
        placed,
    ) % {"placed": placed, "min": min_placed}
    if placed == 0:
        message = gettext(
            "No moment has enough respondents to be placed. A quadrant needs at least %(min)d to compare; "
            "the table lists every moment."
        ) % {"min": min_placed}
    return message


def impact_unit_text(unit: str | None) -> str:
    """The impact unit for the axis and the hover in the active language ("% of R², signed", "r")."""
    unit = unit or "% of R^2, signed"
    if unit == "% of R^2, signed":  # the "%" outside the msgid: gettext would read "% o" as a format
        return gettext("{pct} of R², signed").format(pct="%")
    return unit.replace("R^2", "R²")
