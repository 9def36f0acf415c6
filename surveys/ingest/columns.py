"""What a column looks like to the proposal: header aliases, value profiles (rating-like, date-like, metadata,
demographic), question groups and the distinct names columns get (``surveys.ingest.proposal`` uses them)."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from surveys.ingest import scales as S
from surveys.ingest import values as V
from surveys.ingest.mapping import _code_text

if TYPE_CHECKING:
    from surveys.ingest.table import RawTable


ID_ALIASES = ["responseid", "response id", "respondent id", "respondentid", "#", "id", "record id"]
DATE_ALIASES = [
    "recordeddate", "recorded date", "submitdate", "date submitted", "submit date", "timestamp", "enddate",
    "end date", "completion time", "startdate", "start date", "date",
]  # fmt: skip
OUTCOME_ALIASES = [
    "likely to recommend", "net promoter", "nps", "ltr", "recommend", "recommendation", "weiterempfehlen",
    "aanbevelen", "aanbeveelt", "aanraden", "recommander",
]  # fmt: skip
SATISFACTION_ALIASES = ["overall satisfaction", "customer satisfaction", "satisfaction"]
# last resort, a loyalty question: "Do you consider yourself to be a fan of ...?", "Would you buy again?"
LOYALTY_ALIASES = ["fan", "loyal", "loyalty", "buy again", "come back", "shop again", "fly again"]
METADATA = {
    "status", "progress", "finished", "duration (in seconds)", "distributionchannel", "userlanguage",
    "locationlatitude", "locationlongitude", "locationaccuracy", "lastpage", "seed", "startlanguage",
    "responseset", "ipaddress", "network id", "response type",
}  # fmt: skip
POSITIVE_WORDS = ("satisfied", "yes", "promoter", "positive", "true", "1", "ja", "good")
NEGATIVE_HINTS = re.compile(r"\b(dis|not|un|neutral|no|nein|negative|detractor|bad)", re.IGNORECASE)


def text_normalise(text: str) -> str:
    """Lower case, no accents, markup or punctuation: "<strong>Über-all</strong>" -> "uber all"."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z#]+", " ", text.lower()).split())


def _matches(alias: str, key: str, label: str) -> float:
    """Score of an alias against a column: 4 exact key, 3 exact label, 2 all tokens in key, 1 in label."""
    a = text_normalise(alias)
    if not a:
        return 0.0
    k, lab = text_normalise(key), text_normalise(label)
    if a.replace(" ", "") == k.replace(" ", ""):
        return 4.0
    if a.replace(" ", "") == lab.replace(" ", ""):
        return 3.0
    tokens = a.split()
    if _contains(k, tokens):
        return 2.0
    if _contains(lab, tokens):
        return 1.0
    return 0.0


def _contains(text: str, tokens: list[str]) -> bool:
    words = text.split()
    if len(tokens) == 1:
        return tokens[0] in words
    return f" {' '.join(tokens)} " in f" {text} " or set(tokens) <= set(words)


def _best(table: RawTable, aliases: list[str], exclude: set[str]) -> tuple[str | None, str]:
    """Best column for an ordered alias list: earlier aliases and stronger matches win."""
    best: tuple[float, int, str] | None = None
    why = ""
    for rank, alias in enumerate(aliases):
        for position, column in enumerate(table.columns):
            if column in exclude:
                continue
            score = _matches(alias, column, table.labels.get(column, ""))
            if score <= 0:
                continue
            key = (score * 100 - rank, -position, column)
            if best is None or key > best:
                best, why = key, alias
    return (best[2], why) if best else (None, "")


@dataclass
class _ColumnProfile:
    numeric_share: float
    integral: bool
    low: float
    high: float
    distinct: int
    filled_share: float
    negatives: list[str]
    text_values: list[str]
    mean_length: float
    filled_count: int
    numbers: np.ndarray  # the sample's numbers, NaN where empty, N/A or text
    na_texts: list[str]  # not-applicable answers seen ("n.v.t.", "Unfamiliar (N/A)")


def _profile(table: RawTable, sample: pd.DataFrame, column: str) -> _ColumnProfile:
    raw = sample[column]
    parsed = V.numbers_parse(raw, decimal=table.decimal, value_labels=table.value_labels.get(column))
    ok = parsed.status == V.OK
    filled = parsed.status != V.NA
    numbers = parsed.values[ok]
    share = ok.sum() / max(filled.sum(), 1)
    negatives = sorted({_code_text(float(x)) for x in numbers if x < 0})
    # usual missing codes (99, 999) are not part of the scale
    positive = numbers[(numbers >= 0) & ~((numbers > 11) & np.isin(numbers, S.KNOWN_CODES))]
    text = V.text_clean(raw)
    filled_text = text[text != ""]
    na_texts = filled_text[filled_text.str.contains(V.NA_MARKERS)].unique().tolist()[:10]
    return _ColumnProfile(
        numeric_share=float(share),
        integral=bool(positive.size and np.all(np.mod(positive, 1) == 0)),
        low=float(positive.min()) if positive.size else np.nan,
        high=float(positive.max()) if positive.size else np.nan,
        distinct=int(len(np.unique(positive))),
        filled_share=float(filled.mean()) if len(filled) else 0.0,
        negatives=negatives,
        text_values=filled_text.unique().tolist()[:50],
        mean_length=float(text.str.len().mean()) if len(text) else 0.0,
        filled_count=int(filled.sum()),
        numbers=parsed.values,
        na_texts=na_texts,
    )


def _date_like(sample: pd.Series) -> bool:
    if sample.empty or sample.str.len().min() < 6:
        return False
    family = V.date_family_choose(sample)
    return bool(V.dates_parse(sample, family)[1].mean() < 0.1)


def _rating_like(p: _ColumnProfile) -> bool:
    return (
        p.numeric_share >= 0.9
        and p.integral
        and p.filled_share >= 0.2
        and p.high <= 10
        and p.high - p.low >= 2
        and p.distinct >= 3
    )


def _is_metadata(table: RawTable, column: str) -> bool:
    low = column.lower()
    return (
        text_normalise(column).replace(" ", "") in {m.replace(" ", "").replace("(", "").replace(")", "") for m in
                                                   METADATA}
        or low in METADATA
        or bool(re.search(r"_(nps_group|do|text)$|topics$", low))
    )  # fmt: skip


# gender, age, income, ... (English, Dutch, German): proposed as segments
DEMOGRAPHIC_WORDS = {
    "gender", "sex", "age", "agegroup", "income", "education", "region", "location", "household", "country",
    "state", "province", "city", "marital", "occupation", "employment", "class", "segment", "geslacht",
    "leeftijd", "leeftijdsgroep", "inkomen", "opleiding", "opleidingsniveau", "regio", "provincie", "huishouden",
    "woonplaats", "land", "gemeente", "geschlecht", "alter", "einkommen", "bildung", "bundesland",
}  # fmt: skip


def _demographic(table: RawTable, column: str) -> bool:
    for text in (column, table.labels.get(column, "")):
        words = text_normalise(text).split()
        if words and len(words) <= 5 and DEMOGRAPHIC_WORDS & set(words):
            return True
    return False


def question_groups(table: RawTable) -> list[list[str]]:
    """Adjacent columns of one question: the same question over them (two header rows), or long labels sharing
    their first 40 characters (one header row holding "question - choice" texts). Groups of one are left out."""
    groups: list[list[str]] = []
    current: list[str] = []
    previous_key = None
    for column in table.columns:
        question = table.questions.get(column)
        if question is None:
            label = table.labels.get(column) or column
            key = label[:40] if len(label) > 45 else None
        else:
            key = question or None
        if key is not None and key == previous_key:
            current.append(column)
        else:
            if len(current) > 1:
                groups.append(current)
            current = [column]
        previous_key = key
    if len(current) > 1:
        groups.append(current)
    return groups


def column_names(table: RawTable, columns: list[str] | None = None) -> dict[str, str]:
    """A short, distinct name for each column, e.g. to name the moment it becomes.

    The label when at most 60 characters; else the key when that is short (a two-row header's choice label);
    else, for texts over 100 characters that share their first 40 or more with a neighbouring column (six ranking
    columns headed by the same 185-character question), the part after what they share; else start and end joined
    by "…". Names that still repeat get " (2)", " (3)"; none is over 200 characters. Never two columns with one
    name: a merged column is data loss.
    """
    columns = list(table.columns if columns is None else columns)
    texts = {c: " ".join(re.sub(r"<[^>]+>|[*_]{1,2}", " ", table.labels.get(c) or c).split()) for c in columns}
    out: dict[str, str] = {}
    taken: set[str] = set()
    for position, column in enumerate(columns):
        text = texts[column] or "column"
        if len(text) > 60:
            key = " ".join(column.split())
            if len(key) <= 60 and key != text:
                text = key
            else:
                # the columns of one question stand side by side: compare with the neighbours only (2,000 columns)
                neighbours = [texts[c] for c in columns[max(0, position - 1) : position + 2] if c != column]
                shared = max((len(os.path.commonprefix([text, other])) for other in neighbours), default=0)
                # back to a word boundary: "...: staff" and "...: signage" share "...: s"
                while shared and text[shared - 1].isalnum() and shared < len(text) and text[shared].isalnum():
                    shared -= 1
                tail = text[shared:].strip(" -–:;,.?!()")
                if len(text) > 100 and shared >= 40 and 3 <= len(tail) <= 60:
                    text = tail
                else:
                    text = text[:40].rstrip() + " … " + text[-30:].lstrip()
        out[column] = _moment_name(text, taken)
    return out


def _moment_name(label: str, taken: set[str]) -> str:
    name = " ".join(label.split())[:190] or "moment"
    base, n = name, 2
    while name.casefold() in {t.casefold() for t in taken}:
        name, n = f"{base} ({n})", n + 1
    taken.add(name)
    return name
