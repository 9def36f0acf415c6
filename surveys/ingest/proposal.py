"""The mapping proposal: which column of an export is the respondent id, the date, the outcome, each moment, a
segment, and what the proposal cannot tell (``propose_mapping``; the ``Mapping`` itself is in ``mapping``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from surveys.ingest import scales as S
from surveys.ingest import values as V
from surveys.ingest.columns import (
    DATE_ALIASES,
    ID_ALIASES,
    LOYALTY_ALIASES,
    NEGATIVE_HINTS,
    OUTCOME_ALIASES,
    POSITIVE_WORDS,
    SATISFACTION_ALIASES,
    _best,
    _ColumnProfile,
    _date_like,
    _demographic,
    _is_metadata,
    _profile,
    _rating_like,
    column_names,
    question_groups,
    text_normalise,
)
from surveys.ingest.mapping import Mapping, OutcomeColumn
from surveys.outcomes import default_outcome_name, outcome_key

if TYPE_CHECKING:
    from surveys.ingest.table import RawTable


@dataclass
class MappingProposal:
    mapping: Mapping
    confident: bool
    reasons: list[str]


# --- proposal -----------------------------------------------------------------------------------------------------


# Long on purpose: one pass in the order an analyst reads an export (ids and dates, the outcome, the moments with
# their scales, labels and not-applicable codes, then segments), sharing the set of columns already taken; each
# step that has a name of its own is a helper below.
def propose_mapping(table: RawTable, *, moments: dict[str, list[str]] | None = None) -> MappingProposal:
    """Guess the mapping from column names, labels and a sample of 2,000 rows.

    Steps: respondent id and date by alias (ID_ALIASES, DATE_ALIASES, earlier alias wins); outcome: a Qualtrics
    `Qn` with a `Qn_NPS_GROUP` sibling, else a recommend/NPS/LTR column, else an overall-satisfaction column;
    more outcomes (``_outcomes_extra_propose``): yes/no questions about staying, renewing, switching, buying again or
    buying more, and effort scales;
    rankings (a group of k columns of one question holding 1..k once each, scales.is_ranking) and multi-select
    columns (one option text or empty) are set aside; moments: the given names and aliases, or else every
    rating-like column (>= 90% integers within a span <= 10, at least 3 distinct values) and every column of
    ordered answer labels (scales.label_codes, codes 1..n shared by the columns of one label family), named after
    its label (column_names); not_applicable: codes proposed from the moments' data (scales.na_codes_propose:
    negative and 99-style codes, 0 on 1-5 items, codes above a gap, each used by many cells of many columns) and
    the N/A answers seen; scales: one per moment (scales.scales_detect on the sample without those codes, header
    hints first); segments: demographic columns (gender, age, income, ... DEMOGRAPHIC_WORDS) with at most 30
    values first, then other short text columns with 2-12 values, never free text, ids, dates or multi-selects.
    """
    moments = moments or {}
    reasons: list[str] = []
    sample = table.preview(2000)
    used: set[str] = set()

    respondent_id, alias = _best(table, ID_ALIASES, used)
    if respondent_id:
        used.add(respondent_id)
        reasons.append(f"respondent id: '{respondent_id}' (matches '{alias}')")
    else:
        reasons.append("respondent id: none found; line numbers will be used as ids")
    submitted_at, alias = _best(table, DATE_ALIASES, used)
    if submitted_at:
        used.add(submitted_at)
        reasons.append(f"date: '{submitted_at}' (matches '{alias}')")
    else:
        reasons.append("date: none found")

    profiles = {c: _profile(table, sample, c) for c in table.columns}
    outcome, outcome_type, positive = _outcome_propose(table, profiles, used, reasons)
    if outcome:
        used.add(outcome)

    aside: set[str] = set()  # rankings and multi-selects: neither moments nor segments
    for group in question_groups(table):
        numeric = [c for c in group if profiles[c].numeric_share >= 0.9 and profiles[c].filled_count]
        if len(numeric) == len(group) and S.is_ranking(np.column_stack([profiles[c].numbers for c in group])):
            aside.update(group)
            reasons.append(
                f"ranking: {len(group)} columns of '{_cut(table.questions.get(group[0]) or table.labels[group[0]])}' "
                f"rank 1-{len(group)} once each: not ratings, left out"
            )
    multi = [c for c in table.columns if c not in aside and c not in used and _multi_select(table, c, profiles[c])]
    if multi:
        aside.update(multi)
        reasons.append(f"multi-select: {len(multi)} column(s) holding one option or nothing, left out")

    label_moments = _label_scales(table, profiles, used | aside)
    names_all = column_names(table)
    chosen: dict[str, str] = {}
    if moments:
        for name, aliases in moments.items():
            column, alias = _best(table, [name, *aliases], used | aside)
            if column:
                chosen[name] = column
                used.add(column)
                reasons.append(f"moment '{name}': '{column}' (matches '{alias}')")
            else:
                reasons.append(f"moment '{name}': no column matches {[name, *aliases]}")
    extra = _outcomes_extra_propose(table, profiles, used | aside, outcome, outcome_type, reasons)
    used.update(spec.column for spec in extra.values())
    if not chosen:
        # No known moment matched (a new journey, or a survey that names its moments differently): propose the
        # rating-like columns as new moments rather than nothing, so the analyst edits instead of starting blank.
        for column in table.columns:
            if column in used or column in aside or _is_metadata(table, column):
                continue
            if _rating_like(profiles[column]) or column in label_moments:
                chosen[names_all[column]] = column
                used.add(column)
        rated = sum(1 for c in chosen.values() if c not in label_moments)
        labelled = len(chosen) - rated
        if chosen:
            parts = [f"{rated} rating-like column(s) (integers on a small scale)"] if rated else []
            parts += [f"{labelled} column(s) of ordered answer labels"] if labelled else []
            reasons.append("moments: " + " and ".join(parts))
        else:
            reasons.append(
                "moments: no rating column found (a rating column holds integers on a scale such as 1-5 or 0-10, "
                "or ordered answers such as “Very satisfied” … “Very dissatisfied”, with at least 3 different values)"
            )

    labels = {name: label_moments[c][0] for name, c in chosen.items() if c in label_moments}
    numeric_values = {name: profiles[c].numbers for name, c in chosen.items() if name not in labels}
    codes, na_reasons = S.na_codes_propose(numeric_values)
    reasons += na_reasons
    codes = _outcome_na_codes(profiles, [outcome, *(spec.column for spec in extra.values())], codes, reasons)
    not_applicable = [S.number_text(c) for c in codes]
    na_texts = sorted({t for c in chosen.values() for t in profiles[c].na_texts})
    if na_texts:
        not_applicable += na_texts
        reasons.append(f"not applicable: answers {', '.join(repr(t) for t in na_texts)} seen in moment columns")

    hints = {
        name: _value_labels_scale(table, c, codes) or S.scale_hint(c, table.labels.get(c))
        for name, c in chosen.items()
        if name not in labels
    }
    cleaned = {name: np.where(np.isin(v, codes), np.nan, v) for name, v in numeric_values.items()}
    scales, scale_reasons = S.scales_detect(cleaned, hints)
    for name, column in chosen.items():
        if name in labels:
            scales[name] = (1.0, float(label_moments[column][1]))
    reasons += scale_reasons
    if scales:
        shown = Counter(f"{S.number_text(lo)}-{S.number_text(hi)}" for lo, hi in scales.values())
        reasons.append("scales: " + ", ".join(f"{span} ({n} moment{'s' if n > 1 else ''})" for span, n in
                                              shown.most_common()))  # fmt: skip

    segments = _segments_propose(table, sample, profiles, used | aside | set(label_moments), reasons)

    mapping = Mapping(
        respondent_id=respondent_id,
        submitted_at=submitted_at,
        outcome=outcome or "",
        outcome_type=outcome_type,
        outcome_positive=positive,
        moments=chosen,
        segments=segments,
        not_applicable=not_applicable,
        scales={name: scales[name] for name in chosen if name in scales},
        labels=labels,
        outcomes=extra,
    )
    confident = bool(outcome) and bool(chosen)
    if not outcome:
        reasons.append("missing: an outcome column (likelihood to recommend 0-10, overall satisfaction, or loyalty)")
    if not chosen:
        reasons.append("missing: moment columns (ratings of the steps of the journey)")
    return MappingProposal(mapping=mapping, confident=confident, reasons=reasons)


def _value_labels_scale(table: RawTable, column: str, na_codes: list[float]) -> tuple[float, float] | None:
    """The span of an SPSS column's labelled codes (N/A labels and codes left out), when it has two or more."""
    codes = [
        float(code)
        for code, label in table.value_labels.get(column, {}).items()
        if V._is_number(code) and not V.NA_MARKERS.search(label) and float(code) not in na_codes
    ]
    return (min(codes), max(codes)) if len(codes) >= 2 and min(codes) < max(codes) else None


def _cut(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _multi_select(table: RawTable, column: str, p: _ColumnProfile) -> bool:
    """A multi-select choice column: one distinct answer (the option's text, or 1 / X) and empty cells."""
    if p.filled_count == 0 or len(p.text_values) != 1 or p.filled_share >= 0.98:
        return False
    value = text_normalise(p.text_values[0])
    names = {text_normalise(column), text_normalise(table.labels.get(column, ""))}
    return value in names or any(value and value in n for n in names) or value in {"1", "x", "yes", "checked"}


def _label_scales(
    table: RawTable, profiles: dict[str, _ColumnProfile], exclude: set[str]
) -> dict[str, tuple[dict[str, float], int]]:
    """Columns of ordered answer labels -> (labels -> codes, number of levels).

    The columns of one label family (favorably, agree, satisfied, ...) share one code list built from all their
    labels, so that a column where nobody answered "Very unfavorably" still gets the same codes as the others.
    """
    candidates: dict[str, list[str]] = {}
    for column in table.columns:
        p = profiles[column]
        if column in exclude or p.numeric_share >= 0.5 or not p.text_values:
            continue
        answers = [t for t in p.text_values if not V.NA_MARKERS.search(t)]
        if 2 <= len(answers) <= 11 and all(S.label_score(t) for t in answers):
            candidates[column] = answers
    families: dict[str, list[str]] = {}
    for column, answers in candidates.items():
        families.setdefault(S.label_family(answers) or "", []).append(column)
    out: dict[str, tuple[dict[str, float], int]] = {}
    for columns in families.values():
        union = list(dict.fromkeys(t for c in columns for t in candidates[c]))
        codes = S.label_codes(union)
        if codes:
            for column in columns:
                out[column] = ({label: float(code) for label, code in codes.items()}, max(codes.values()))
    return out


def _segments_propose(
    table: RawTable, sample: pd.DataFrame, profiles: dict[str, _ColumnProfile], exclude: set[str], reasons: list[str]
) -> dict[str, str]:
    names = column_names(table)
    segments: dict[str, str] = {}
    skipped: list[str] = []
    others: list[str] = []
    for column in table.columns:
        p = profiles[column]
        if column in exclude or _is_metadata(table, column) or p.filled_share < 0.3:
            continue
        values = len(p.text_values)
        if _demographic(table, column):
            if 2 <= values <= 30 and p.mean_length <= 40:
                segments[names[column]] = column
            else:
                skipped.append(f"{names[column]} ({values}{'+' if values >= 50 else ''} values)")
            continue
        few = 2 <= values <= min(12, max(2, p.filled_count // 2))
        if p.numeric_share < 0.5 and few and p.filled_share >= 0.5 and p.mean_length <= 40:
            if _date_like(V.text_clean(sample[column]).pipe(lambda t: t[t != ""]).head(200)):
                continue
            others.append(column)
    for column in others[: max(0, 6 - len(segments))]:
        segments[names[column]] = column
    if segments:
        reasons.append(f"segments: {', '.join(segments)}")
    if skipped:
        reasons.append(f"not proposed as segments (too many values; group them first): {', '.join(skipped)}")
    return segments


def _outcome_propose(
    table: RawTable, profiles: dict[str, _ColumnProfile], used: set[str], reasons: list[str]
) -> tuple[str | None, str, list[str]]:
    for column in table.columns:
        if f"{column}_NPS_GROUP" in table.columns and column not in used:
            reasons.append(f"outcome: '{column}' (Qualtrics NPS question, has {column}_NPS_GROUP)")
            return column, "nps", []
    exclude = used | {c for c in table.columns if c.upper().endswith("_NPS_GROUP")}
    column, alias = _best(table, OUTCOME_ALIASES, exclude)
    source = "recommend"
    if column is None:
        column, alias = _best(table, SATISFACTION_ALIASES, exclude)
        source = "satisfaction"
    if column is None:
        column, alias = _best(table, LOYALTY_ALIASES, exclude)
        source = "loyalty"
    if column is None:
        reasons.append("outcome: no recommend / NPS / LTR / satisfaction / loyalty column found")
        return None, "nps", []
    p = profiles[column]
    if source == "recommend" and _nps_like(table, column, p):
        kind, positive = "nps", []
    elif p.numeric_share >= 0.9:
        kind, positive = "numeric", []
    elif len(p.text_values) == 2:
        kind = "binary"
        positive = _positive_guess(p.text_values)
    else:
        kind, positive = "binary", []
    reasons.append(
        f"outcome: '{column}' as {kind} (matches '{alias}')" + (f", positive {positive}" if positive else "")
    )
    if p.filled_share < 0.98:
        reasons.append(
            f"outcome: {1 - p.filled_share:.0%} of the first rows have no answer in '{_cut(column)}': those rows are "
            "reported as “missing outcome” (tick “skip invalid rows” to import the others)"
        )
    return column, kind, positive


def _outcome_na_codes(
    profiles: dict[str, _ColumnProfile], columns: list[str | None], codes: list[float], reasons: list[str]
) -> list[float]:
    """``codes`` plus the missing-value codes of the outcome columns (negative, or 99-style beside answers of at
    most 11): a -99 in a numeric outcome is "no answer", not minus ninety-nine."""
    found = []
    for column in columns:
        if not column or profiles[column].numeric_share < 0.9:
            continue
        numbers = profiles[column].numbers
        for code in S.na_codes_propose({column: numbers})[0]:
            if (code < 0 or code in S.KNOWN_CODES) and code not in codes and code not in found:
                found.append(code)
                reasons.append(f"not applicable: {S.number_text(code)} in the outcome column '{_cut(column)}'")
    return sorted([*codes, *found])


def _nps_like(table: RawTable, column: str, p: _ColumnProfile) -> bool:
    """Integers 0-10 that look like the 0-10 likelihood to recommend: the header announces 0-10, or (announcing no
    scale) the answers reach 0 or 9. "Would recommend (1-7)" is a numeric outcome, not an NPS."""
    if not (p.numeric_share >= 0.9 and p.integral and p.low >= 0 and p.high <= 10):
        return False
    hint = S.scale_hint(column, table.labels.get(column))
    return hint == (0.0, 10.0) if hint is not None else (p.low == 0 or p.high >= 9)


def _positive_guess(values: list[str]) -> list[str]:
    for value in values:
        if text_normalise(value) in POSITIVE_WORDS:
            return [value]
    clean = [v for v in values if not NEGATIVE_HINTS.search(v)]
    return clean[:1] if len(clean) == 1 else []


# --- more outcomes beside the first -------------------------------------------------------------------------------
# Header words (English and Dutch, matched as whole words of the normalised header) and the outcome they suggest.
# A yes/no column is needed for the binary ones and a number scale for effort: the values decide, the words only
# choose among them (a 1-5 "satisfaction with your stay" is a rating, not a retention question).
RETENTION_WORDS = (
    "stay", "staying", "remain", "renew", "renewal", "retention", "continue", "keep using", "remain a customer",
    "blijven", "blijft", "klant blijven", "verlengen", "verlenging", "verlengt", "behouden",
)  # fmt: skip
SWITCH_WORDS = (
    "switch", "switching", "leave", "cancel", "churn", "move to another", "overstappen", "overstapt", "over te stappen",
    "opzeggen",
    "vertrekken", "weggaan",
)  # fmt: skip
REPURCHASE_WORDS = (
    "buy again", "purchase again", "repurchase", "order again", "shop again", "opnieuw kopen", "weer kopen",
    "nogmaals kopen", "opnieuw bestellen", "weer bestellen", "opnieuw afnemen",
)  # fmt: skip
CROSS_SELL_WORDS = (
    "buy more", "purchase more", "buy additional", "additional product", "additional products", "another product",
    "other products", "cross sell", "upgrade", "meer kopen", "extra product", "extra producten", "meer afnemen",
    "aanvullend", "aanvullende",
)  # fmt: skip
EFFORT_WORDS = ("effort", "ces", "customer effort", "moeite", "inspanning")
EASE_WORDS = ("ease", "easy", "gemak", "makkelijk", "gemakkelijk", "eenvoudig")  # also a moment's rating: see below
# "ease" is an outcome only about the whole interaction ("made it easy to handle my issue", "overall ease"); "Ease of
# online booking" is the rating of a moment
WHOLE_WORDS = (
    "overall", "in general", "generally", "handle", "handled", "resolve", "resolved", "request", "issue",
    "algemeen", "over het geheel", "totaal", "afhandelen", "afgehandeld", "regelen", "geregeld", "vraag",
)  # fmt: skip
YES_WORDS = {"yes", "ja", "j", "y", "1", "true", "waar", "oui"}
NO_WORDS = {"no", "nee", "n", "0", "false", "onwaar", "non", "nein"}


def _header_words(table: RawTable, column: str) -> str:
    return f" {text_normalise(column)} {text_normalise(table.labels.get(column, ''))} "


def _says(text: str, words: tuple[str, ...]) -> str | None:
    return next((w for w in words if f" {w} " in text), None)


def _yes_no(p: _ColumnProfile) -> tuple[str, str] | None:
    """(yes answer, no answer) of a column holding two answers, one yes-like and one no-like, else None."""
    answers = [t for t in p.text_values if not V.NA_MARKERS.search(t)]
    if len(answers) != 2:
        return None
    first = {a: (text_normalise(a).split() or [""])[0] for a in answers}
    yes = [a for a in answers if first[a] in YES_WORDS]
    no = [a for a in answers if first[a] in NO_WORDS]
    return (yes[0], no[0]) if len(yes) == 1 and len(no) == 1 else None


def _outcomes_extra_propose(
    table: RawTable,
    profiles: dict[str, _ColumnProfile],
    exclude: set[str],
    primary: str | None,
    primary_type: str,
    reasons: list[str],
) -> dict[str, OutcomeColumn]:
    """Outcomes beside the first one, recognised by header words and values (issue 11):

    - a recommend / NPS / LTR column of integers 0-10 (when the first outcome is not one already): nps, ``NPS``;
    - a yes/no (ja/nee, 1/0, true/false) column about staying or renewing: binary ``Retention``, positive the yes;
      about switching, leaving or cancelling: ``Retention`` too, positive the no (not leaving = retained); about
      buying again: ``Repurchase``; about buying more or other products: ``Cross-sell``;
    - a number scale (span at most 10) about effort, CES, moeite: numeric ``Effort``; about ease / gemak only with
      a word about the whole interaction (overall, handle, resolve, afhandelen...): "Ease of online booking" is the
      rating of a moment.
    Names already taken get the column's name instead.
    """
    names_all = column_names(table)
    taken = {outcome_key(default_outcome_name(type=primary_type, column=primary))} if primary else set()
    found: dict[str, OutcomeColumn] = {}
    candidates = [c for c in table.columns if c not in exclude and c != primary and not _is_metadata(table, c)]

    def add(name: str, column: str, kind: str, positive: tuple[str, ...], why: str) -> None:
        if outcome_key(name) in taken:
            name = names_all[column]
        if outcome_key(name) in taken:
            return
        taken.add(outcome_key(name))
        found[name] = OutcomeColumn(name=name, column=column, type=kind, positive=positive)
        shown = f", positive {list(positive)}" if positive else ""
        reasons.append(f"outcome “{name}”: '{_cut(column)}' as {kind} ({why}{shown})")

    for column in candidates:
        text, p = _header_words(table, column), profiles[column]
        numeric = p.numeric_share >= 0.9 and p.filled_count > 0
        if primary_type != "nps" and _nps_like(table, column, p):
            word = _says(text, tuple(text_normalise(a) for a in OUTCOME_ALIASES))
            if word:
                add("NPS", column, "nps", (), f"matches '{word}', integers 0-10")
                continue
        answers = _yes_no(p)
        if answers is not None:
            yes, no = answers
            for name, words, positive, what in (
                ("Retention", SWITCH_WORDS, no, "a yes/no question about leaving: not leaving counts as retained"),
                ("Retention", RETENTION_WORDS, yes, "a yes/no question about staying"),
                ("Repurchase", REPURCHASE_WORDS, yes, "a yes/no question about buying again"),
                ("Cross-sell", CROSS_SELL_WORDS, yes, "a yes/no question about buying more"),
            ):
                word = _says(text, words)
                if word:
                    add(name, column, "binary", (positive,), f"{what}, matches '{word}'")
                    break
            continue
        if numeric and p.high - p.low >= 2 and p.high - p.low <= 10 and p.distinct >= 3:
            word = _says(text, EFFORT_WORDS) or (_says(text, EASE_WORDS) if _says(text, WHOLE_WORDS) else None)
            if word:
                add("Effort", column, "numeric", (), f"a number scale about effort, matches '{word}'")
    return found
