"""Number formatting for the dashboard: missing numbers show as an en dash, signs use a true minus, separators are
the active language's (1,234.5 in English, 1.234,5 in Dutch)."""

import math

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext

register = template.Library()

MINUS = "\u2212"
DASH = "\u2013"


def _finite(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


@register.filter
def num(value, digits=1) -> str:
    value = _finite(value)
    if value is None:
        return DASH
    return _localised(value, int(digits))


def _localised(value: float, digits: int) -> str:
    """``value`` rounded to ``digits`` with the language's decimal and thousand separators and a true minus."""
    return number_format(round(value, digits), decimal_pos=digits, use_l10n=True, force_grouping=True).replace(
        "-", MINUS
    )


@register.filter
def signed(value, digits=1) -> str:
    value = _finite(value)
    if value is None:
        return DASH
    if round(value, int(digits)) == 0:
        return _localised(0.0, int(digits))  # no "+0.0" or "−0.0": zero has no sign
    return ("+" if value > 0 else "") + _localised(value, int(digits))


@register.filter
def pct(value, digits=0) -> str:
    """A share 0-1 as a percentage."""
    value = _finite(value)
    if value is None:
        return DASH
    if 0 < value < 0.01 and int(digits) == 0:
        digits = 1  # "0.5%", not a misleading "0%"
    return f"{_localised(100 * value, int(digits))}%"


@register.simple_tag
def interval(low, high, digits=1, sign=False):
    """``[low, high]`` as small muted text, or nothing when either end is missing."""
    low, high = _finite(low), _finite(high)
    if low is None or high is None:
        return ""
    fmt = signed if sign else num
    return format_html(
        '<span class="ci">{}</span>',
        pgettext("an interval", "%(low)s to %(high)s") % {"low": fmt(low, digits), "high": fmt(high, digits)},
    )


@register.filter
def sortval(value) -> str:
    """A machine-readable sort key for a table cell (empty for missing numbers, which sort last)."""
    value = _finite(value)
    return "" if value is None else repr(value)


@register.filter
def flag_label(flag: str) -> str:
    return {
        "pain_point": gettext("Pain point"),
        "uncertain": gettext("Uncertain"),
        "brand_moment": gettext("Brand moment"),
        "insufficient_data": gettext("Insufficient data"),
    }.get(flag, flag)


@register.filter
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def unit(value) -> str:
    """An analysis unit for people: "% of R^2, signed" -> "% of R², signed"."""
    value = str(value or "% of R^2, signed")
    if value == "% of R^2, signed":  # the "%" outside the msgid: gettext would read "% o" as a format
        return gettext("{pct} of R², signed").format(pct="%")
    return value.replace("R^2", "R²")


@register.filter
def run_message(message) -> str:
    """A failed run's stored reason in the active language (``moments.words.run_message_text``)."""
    from moments.words import run_message_text

    return run_message_text(str(message or ""))


@register.filter
def method_note(note) -> str:
    """The engine's note on the method it used in the active language (``moments.words.method_note_text``)."""
    from moments.words import method_note_text

    return method_note_text(str(note or ""))
