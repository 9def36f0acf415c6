"""Scales per moment, ordered answer labels, not-applicable codes from the data, ranking and multi-select groups.

Everything here works on whole columns (numpy arrays of one moment's numbers, or a column's distinct labels): no
Python loop runs over rows. Used by the proposal (on a sample) and by validation (on the first chunk, when the
mapping leaves a moment's scale to detection).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping as MappingABC

import numpy as np

STANDARD_SCALES = [(1.0, 5.0), (1.0, 7.0), (1.0, 10.0), (0.0, 5.0), (0.0, 10.0)]
# a moment whose values leave the other moments' scale in at most this share of its cells takes their scale
# (the cells outside become row errors): one stray 7 in a 1-5 file must not make it 1-7
STRAY_SHARE = 0.01

# "(1-5)", "0-10", "1 to 7", "1 t/m 5", "1 bis 5", "[1–10]"
HINT = re.compile(r"(?<![\w.,/])([01])\s*(?:-|–|—|to|tot|t/m|tm|bis|a|à)\s*(\d{1,2})(?![\w.,/])", re.IGNORECASE)


def scale_hint(*texts: str | None) -> tuple[float, float] | None:
    """The scale a header announces ("Checkout rating (1-5)" -> (1, 5)), else None."""
    for text in texts:
        for match in HINT.finditer(text or ""):
            low, high = int(match[1]), int(match[2])
            if 2 <= high - low and high <= 11:
                return float(low), float(high)
    return None


def scale_standard(low: float, high: float) -> tuple[float, float]:
    """Smallest standard scale containing [low, high], else the observed range."""
    for lo, hi in STANDARD_SCALES:
        if low >= lo and high <= hi:
            return (lo, hi)
    return (low, high) if high > low else (low, low + 1.0)


def scales_detect(
    values: MappingABC[str, np.ndarray], hints: MappingABC[str, tuple[float, float] | None]
) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """One scale per moment -> (scales, reasons).

    Steps: a moment whose header announces its scale (``hints``) takes it. For any other, its core scale is the
    smallest standard scale holding its values once the rare ones (each at most STRAY_SHARE of its cells) are set
    aside, and its full scale the one holding all its values. The usual scale is the most common of the hinted and
    core scales (ties: the smaller). A moment whose full scale is wider than the usual one takes the usual one when
    at most STRAY_SHARE of its cells lie outside it: those cells are reported as out of scale instead of stretching
    the moment's scale (one stray 7 in a 1-5 file). A moment is never widened to the usual scale. Moments without
    any value and without a hint get the usual scale (none when no moment has one).
    """
    scales: dict[str, tuple[float, float]] = {}
    votes: list[tuple[float, float]] = []
    observed: dict[str, np.ndarray] = {}
    for name, array in values.items():
        finite = array[np.isfinite(array)]
        observed[name] = finite
        hint = hints.get(name)
        if hint:
            scales[name] = hint
            votes.append(hint)
        elif finite.size:
            scales[name] = scale_standard(float(finite.min()), float(finite.max()))
            distinct, counts = np.unique(finite, return_counts=True)
            common = distinct[counts > STRAY_SHARE * finite.size]
            core = common if common.size else distinct
            votes.append(scale_standard(float(core.min()), float(core.max())))
    reasons: list[str] = []
    if not votes:
        return {}, reasons
    tally = Counter(votes)
    usual = min(tally, key=lambda sc: (-tally[sc], sc[1] - sc[0], sc))
    for name, finite in observed.items():
        if hints.get(name):
            reasons.append(f"scale of '{name}': {_span(scales[name])} (from its header)")
            continue
        if name not in scales:
            scales[name] = usual
            continue
        own = scales[name]
        wider = own != usual and own[0] <= usual[0] and own[1] >= usual[1]
        if wider and finite.size:
            outside = (finite < usual[0]) | (finite > usual[1])
            if outside.mean() <= STRAY_SHARE:
                reasons.append(
                    f"scale of '{name}': {_span(usual)} like the other moments; "
                    f"{int(outside.sum())} value(s) outside it will be reported as row errors"
                )
                scales[name] = usual
    return scales, reasons


def _span(scale: tuple[float, float]) -> str:
    return f"{number_text(scale[0])}-{number_text(scale[1])}"


def number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# --- not-applicable codes -----------------------------------------------------------------------------------------

KNOWN_CODES = (-99.0, -98.0, -9.0, 97.0, 98.0, 99.0, 999.0, 9999.0)


def na_codes_propose(values: MappingABC[str, np.ndarray]) -> tuple[list[float], list[str]]:
    """Numeric not-applicable codes of rating columns -> (codes, reasons).

    ``values`` holds each rating column's numbers (NaN for empty / text N/A). A code is proposed when it is:
    - negative, or a conventional missing code (99, 98, 999, ...) next to values of at most 11: always;
    - 0 on columns whose other values are 1-7 at most (the airline survey's 0 = not applicable), or a value lying
      above a gap at the top of the scale (1-5 plus 9): only when it is used by many cells of many columns (in
      a quarter of the columns and at least 2, with 0.5% of the cells of each or 3 cells), because one stray
      value is a typo to report, not a code. 0 is never proposed when some column holds 0 with values above 7
      (a 0-10 scale), nor a code above a gap that is an ordinary answer in another column (9 on a 1-10 item).
    """
    columns = {k: v[np.isfinite(v)] for k, v in values.items()}
    columns = {k: v for k, v in columns.items() if v.size}
    if not columns:
        return [], []
    always: set[float] = set()
    counts: Counter[float] = Counter()
    zero_blocked = False
    blocked: set[float] = set()
    for finite in columns.values():
        distinct, n = np.unique(finite, return_counts=True)
        regular = distinct[(distinct >= 0) & (distinct <= 11)]
        for code in distinct[distinct < 0]:
            always.add(float(code))
        if regular.size and regular.max() <= 11:
            for code in distinct[np.isin(distinct, KNOWN_CODES) & (distinct > 11)]:
                always.add(float(code))
        enough = np.maximum(3, 0.005 * finite.size)
        body = distinct[(distinct >= 0) & (distinct <= 11)]
        body_n = n[(distinct >= 0) & (distinct <= 11)]
        if body.size >= 3 and body[0] == 0:
            rest = body[1:]
            if rest.size and rest.min() >= 1 and rest.max() <= 7:
                if body_n[0] >= enough:
                    counts[0.0] += 1
            elif rest.size and rest.max() > 7:
                zero_blocked = True
        if body.size >= 4 and body[-1] - body[-2] >= 2 and body[-1] >= 6 and body_n[-1] >= enough:
            counts[float(body[-1])] += 1
        # a value that continues a column's run of answers (8, 9 on a 1-10 item) is an answer there: never a code
        blocked.update(float(v) for v in body[1:][np.diff(body) == 1] if v >= 6)
    needed = min(len(columns), max(2, int(np.ceil(0.25 * len(columns)))))
    many = {
        code for code, k in counts.items() if k >= needed and not (code == 0.0 and zero_blocked) and code not in blocked
    }
    codes = sorted(always | many)
    reasons = []
    for code in codes:
        if code in many:
            reasons.append(
                f"not applicable: {number_text(code)} (outside the scale, used in {counts[code]} of "
                f"{len(columns)} rating columns)"
            )
        else:
            reasons.append(f"not applicable: {number_text(code)} (a usual missing-value code)")
    return codes, reasons


# --- ordered answer labels ----------------------------------------------------------------------------------------

# (negative stem, positive stem): the negative is tested first ("unfavorably" holds "favorably")
POLES = [
    ("unfavo", "favo"), ("disagree", "agree"), ("dissatisf", "satisf"), ("unsatisf", "satisf"),
    ("unlikel", "likel"), ("unhappy", "happy"), ("unimportant", "important"), ("useless", "useful"),
    ("unhelpful", "helpful"), ("difficult", "easy"), ("oneens", "eens"), ("ontevreden", "tevreden"),
    ("onwaarschijnlijk", "waarschijnlijk"), ("onbelangrijk", "belangrijk"), ("ongelukkig", "gelukkig"),
    ("moeilijk", "makkelijk"), ("unzufrieden", "zufrieden"), ("unwahrscheinlich", "wahrscheinlich"),
    ("negative", "positive"), ("negatief", "positief"),
]  # fmt: skip
# quality words with a fixed place: "Very poor" < "Poor" < "Fair" < "Good" < "Very good" < "Excellent"
QUALITY = {
    "excellent": 3.0, "outstanding": 3.0, "uitstekend": 3.0, "perfect": 3.0, "great": 1.5, "good": 1.0,
    "goed": 1.0, "gut": 1.0, "fair": 0.0, "average": 0.0, "ok": 0.0, "okay": 0.0, "acceptable": 0.0,
    "neutral": 0.0, "neutraal": 0.0, "redelijk": 0.5, "matig": -0.5, "poor": -1.0, "bad": -1.0, "slecht": -1.0,
    "schlecht": -1.0, "terrible": -3.0, "awful": -3.0, "abysmal": -3.0,
}  # fmt: skip
STRONG = {"very", "strongly", "extremely", "completely", "totally", "highly", "zeer", "helemaal", "heel", "erg",
          "volledig", "absoluut", "sehr", "voll", "ganz", "totaal"}  # fmt: skip
WEAK = {"somewhat", "slightly", "rather", "fairly", "moderately", "mostly", "enigszins", "beetje", "vrij",
        "eher", "tamelijk", "redelijk"}  # fmt: skip
NEGATIONS = {"not", "niet", "nicht", "geen"}
NEUTRAL_WORDS = {"neither", "nor", "noch", "neutral", "neutraal", "undecided", "unsure", "weder"}


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.findall(r"[a-z]+", text)


def label_score(text: str) -> tuple[float, str] | None:
    """Place of an answer label on its scale and its family: "Somewhat unfavorably" -> (-0.5, "favo").

    None when the label is not an ordered answer (a name, free text, a number). Neutral answers ("Neither ... nor
    ...", "Niet eens, niet oneens") score 0.
    """
    words = _words(text)
    if not words or len(words) > 8:
        return None
    family = None
    polarity = 0.0
    poles = 0
    for word in words:
        for negative, positive in POLES:
            if word.startswith(negative):
                family, polarity, poles = positive, polarity - 1, poles + 1
                break
            if word.startswith(positive):
                family, polarity, poles = positive, polarity + 1, poles + 1
                break
    quality = [QUALITY[w] for w in words if w in QUALITY]
    neutral = bool(NEUTRAL_WORDS & set(words)) or (poles >= 2 and polarity == 0)
    if family is None and not quality:
        return None
    if neutral:
        return 0.0, family or "quality"
    if family is None:
        score, family = quality[0], "quality"
    else:
        score = float(np.sign(polarity))
    if NEGATIONS & set(words):
        score = -score
    if "at" in words and "all" in words:  # "not at all satisfied"
        score *= 2
    elif STRONG & set(words):
        score *= 2 if family != "quality" or abs(score) <= 1 else 1
    elif WEAK & set(words) and family != "quality":
        score *= 0.5
    return score, family


def label_codes(labels: list[str]) -> dict[str, int] | None:
    """Codes 1..n for the distinct answer labels of a scale, in order from most negative to most positive.

    None unless every label is an ordered answer of one family and there are at least 3 levels. Labels with the
    same place ("Satisfied", "Tevreden") share a code.
    """
    scored = {label: label_score(label) for label in labels}
    if len(scored) < 2 or any(s is None for s in scored.values()):
        return None
    families = Counter(s[1] for s in scored.values() if s)  # type: ignore[index]
    if len(families) > 1 and not set(families) <= {families.most_common(1)[0][0], "quality"}:
        return None
    places = sorted({s[0] for s in scored.values() if s})  # type: ignore[index]
    if len(places) < 3:
        return None
    rank = {place: i + 1 for i, place in enumerate(places)}
    return {label: rank[s[0]] for label, s in scored.items() if s}  # type: ignore[index]


def label_family(labels: list[str]) -> str | None:
    families = Counter(s[1] for s in (label_score(x) for x in labels) if s)
    return families.most_common(1)[0][0] if families else None


# --- rankings -----------------------------------------------------------------------------------------------------


def is_ranking(matrix: np.ndarray) -> bool:
    """A group of k >= 3 columns (rows = respondents, NaN = no answer) holding a ranking 1..k.

    Every value is an integer 1..k, the top rank k is used, and in at least 95% of the respondents who answered two
    or more of the columns no value repeats (ratings of a matrix question repeat all the time).
    """
    if matrix.ndim != 2 or matrix.shape[1] < 3:
        return False
    k = matrix.shape[1]
    finite = np.isfinite(matrix)
    values = matrix[finite]
    if values.size == 0 or np.any(np.mod(values, 1) != 0) or values.min() < 1 or values.max() != k:
        return False
    answered = finite.sum(axis=1) >= 2
    if not answered.any():
        return False
    ordered = np.sort(np.where(finite, matrix, np.inf), axis=1)[answered]
    repeats = ((np.diff(ordered, axis=1) == 0) & np.isfinite(ordered[:, 1:])).any(axis=1)
    return bool(repeats.mean() <= 0.05)
