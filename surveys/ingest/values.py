"""Vectorised cell parsers: numbers (with labelled codes and N/A markers), dates, yes/no flags.

Survey columns hold few distinct values, so numbers are parsed once per distinct value (pd.factorize) and mapped
back with numpy.take; no Python loop runs over rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

OK, NA, BAD = 0, 1, 2

NA_MARKERS = re.compile(
    r"(?:^|\W)(?:n/?a|n\.v\.t\.?|nvt|not applicable|does not apply|not relevant|no basis for evaluation|"
    r"nicht zutreffend|keine angabe|weiß nicht|weiss nicht|don'?t know|do not know|prefer not to say|"
    r"weet niet|niet van toepassing|geen mening|no opinion)(?:\W|$)",
    re.IGNORECASE,
)
# "Neutral (4)", "(5) Never", "4)": the answer code in parentheses
CODE = re.compile(r"\(\s*(-?\d+(?:[.,]\d+)?)\s*\)|^\s*(-?\d+(?:[.,]\d+)?)\s*\)")


@dataclass
class Parsed:
    values: np.ndarray  # float64, NaN unless status == OK
    status: np.ndarray  # int8: OK, NA (empty / not applicable), BAD (not a number)


def text_clean(series: pd.Series) -> pd.Series:
    """Strip spaces (and non-breaking spaces) around every cell; missing -> ""."""
    return series.astype("str").fillna("").str.strip()


def numbers_parse(
    series: pd.Series,
    *,
    decimal: str = ".",
    na_values: frozenset[str] = frozenset(),
    value_labels: dict[str, str] | None = None,
    labels: dict[str, float] | None = None,
) -> Parsed:
    """Parse a column of answers to numbers.

    Steps, on the distinct values: empty or an N/A marker (regex NA_MARKERS, or one of `na_values`) -> NA; a plain
    number (decimal comma when `decimal` is ","); else the code in parentheses ("Neutral (4)" -> 4); else an SPSS
    value label ("Neutral" -> its code); an answer label of the mapping's ``labels`` ("Very favorably" -> 5, case
    and runs of spaces ignored); codes whose SPSS label is an N/A marker -> NA; the rest -> BAD.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    u = pd.Series(np.asarray(uniques, dtype=object), dtype="str").fillna("").str.strip()
    number_text = u.str.replace(",", ".", regex=False) if decimal == "," else u
    values = pd.to_numeric(number_text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan, copy=True)
    missing = np.isnan(values)
    if missing.any():
        extracted = u[missing].str.extract(CODE)
        code_text = extracted[0].fillna(extracted[1]).str.replace(",", ".", regex=False)
        values[missing] = pd.to_numeric(code_text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    na_mask = (u == "").to_numpy() | u.str.contains(NA_MARKERS).to_numpy(dtype=bool, na_value=False)
    if na_values:
        na_mask |= u.isin(na_values).to_numpy()
        na_numbers = pd.to_numeric(pd.Series(sorted(na_values), dtype="str"), errors="coerce").dropna()
        na_mask |= np.isin(values, na_numbers.to_numpy(dtype="float64"))
    if value_labels:
        by_label = {label.strip().lower(): code for code, label in value_labels.items()}
        still = np.isnan(values) & ~na_mask
        if still.any():
            mapped = u[still].str.lower().map(by_label)
            values[still] = pd.to_numeric(mapped, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        na_codes = [float(c) for c, label in value_labels.items() if NA_MARKERS.search(label) and _is_number(c)]
        na_mask |= np.isin(values, na_codes)
    if labels:
        by_text = {label_key(label): float(code) for label, code in labels.items()}
        still = np.isnan(values) & ~na_mask
        if still.any():
            mapped = u[still].map(label_key).map(by_text)
            values[still] = pd.to_numeric(mapped, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = ~na_mask & ~np.isfinite(values)
    status_u = np.where(na_mask, NA, np.where(bad, BAD, OK)).astype(np.int8)
    values[status_u != OK] = np.nan
    # factorize gives -1 for missing cells: route them to an appended NA slot
    values_u = np.append(values, np.nan)
    status_u = np.append(status_u, np.int8(NA))
    return Parsed(values=values_u[codes], status=status_u[codes])


def label_key(text: str) -> str:
    """How answer labels are compared: case and runs of whitespace do not count."""
    return " ".join(str(text).split()).casefold()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


TRUE_WORDS = frozenset({"1", "yes", "y", "true", "ja", "j", "oui", "si", "x", "checked", "selected"})
FALSE_WORDS = frozenset({"0", "no", "n", "false", "nein", "non", "unchecked", "not selected"})


def flags_parse(series: pd.Series) -> np.ndarray:
    """Yes/no flags as float: 1.0, 0.0, or NaN when empty.

    Any other non-empty text counts as yes, because multi-select exports (SurveyMonkey, Typeform) write the
    choice label into the cell when it is ticked.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    u = pd.Series(np.asarray(uniques, dtype=object), dtype="str").fillna("").str.strip().str.lower()
    out = np.where(u == "", np.nan, np.where(u.isin(FALSE_WORDS), 0.0, 1.0))
    return np.append(out, np.nan)[codes]


# --- dates --------------------------------------------------------------------------------------------------------

DATE_FAMILIES: dict[str, list[str]] = {
    "iso": ["ISO8601"],
    "mdy": [
        "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
        "%m/%d/%y %H:%M:%S", "%m/%d/%y %H:%M", "%m/%d/%y",
    ],
    "dmy": [
        "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y",
        "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%y", "%d-%m-%y",
    ],
}  # fmt: skip


def date_family_choose(sample: pd.Series, *, allow_serial: bool = False) -> str:
    """The family of formats that parses most of a column's non-empty sample.

    Ties go to ISO, then US month-first (Google Forms, SurveyMonkey), then day-first: "3/4/2024" is read as
    March 4 unless some value such as "14/3/2024" shows the column is day-first. Excel serial numbers count only for
    XLSX files.
    """
    sample = sample[sample != ""]
    if sample.empty:
        return "iso"
    scores = {family: int(_dates_with(sample, family, None).notna().sum()) for family in DATE_FAMILIES}
    if allow_serial:
        scores["serial"] = int(_dates_with(sample, "serial", None).notna().sum())
    return max(scores, key=lambda f: (scores[f], -list(scores).index(f)))


def dates_parse(series: pd.Series, family: str, timezone: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """-> (datetime64[ns] UTC values with NaT, bad mask). Naive times are read in `timezone` (else UTC)."""
    text = text_clean(series)
    parsed = _dates_with(text, family, timezone)
    # datetime64[ns] spans 1677-2262 only; a year outside is a typo, not a date
    parsed = parsed.where((parsed.dt.year > 1677) & (parsed.dt.year < 2262))
    bad = (text != "").to_numpy() & parsed.isna().to_numpy()
    values = parsed.astype("datetime64[ns, UTC]").to_numpy(dtype="datetime64[ns]")
    return values, bad


def _dates_with(text: pd.Series, family: str, timezone: str | None) -> pd.Series:
    index = text.index
    result = pd.Series(pd.NaT, index=index, dtype="datetime64[us, UTC]")
    if family == "serial":
        number = pd.to_numeric(text, errors="coerce")
        number = number.where((number > 0) & (number < 2958466))
        stamps = pd.to_datetime(number, unit="D", origin="1899-12-30", errors="coerce")
        return _localise(stamps, timezone).astype("datetime64[us, UTC]")
    todo = text != ""
    for fmt in DATE_FAMILIES[family]:
        if not todo.any():
            break
        try:
            stamps = pd.to_datetime(text[todo], format=fmt, errors="coerce", utc=timezone is None)
        except (ValueError, TypeError, OverflowError):
            continue
        if timezone is not None:
            stamps = _localise(stamps, timezone)
        stamps = stamps.astype("datetime64[us, UTC]")
        result.loc[stamps.index] = result.loc[stamps.index].fillna(stamps)
        todo = todo & result.isna()
    return result


def _localise(stamps: pd.Series, timezone: str | None) -> pd.Series:
    stamps = pd.to_datetime(stamps, errors="coerce")
    if stamps.dt.tz is not None:
        return stamps.dt.tz_convert("UTC")
    try:
        return stamps.dt.tz_localize(timezone or "UTC", ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
    except (ValueError, TypeError, KeyError):
        return stamps.dt.tz_localize("UTC")
