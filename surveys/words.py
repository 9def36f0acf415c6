"""The English words of the import, in the active language, at the edge.

``surveys.ingest`` is pure (no Django: the import-linter contract) and writes each row error's reason, and the
import job writes an upload's progress message, in English. That English text is stored (the upload's
``error_report`` CSV, its ``message``) and works as a code: each known form is a pattern here with its parameters,
rendered with gettext for the reader's language on the upload page, in the error CSV's ``reason`` column and in the
progress poll. Numbers in them are written for the language (``1.234``, ``0,5-4,5`` in Dutch). A text that matches
no pattern (a file-level ``IngestError``'s own message, say) is shown as it was stored. In English each pattern
gives back exactly the stored text (tests/i18n/test_import_words.py).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

from django.utils.formats import number_format
from django.utils.translation import get_language, gettext, gettext_noop, ngettext

_NUMBER = r"[0-9][0-9,]*(?:\.[0-9]+)?"

# (pattern of the stored English text, msgid). The msgid's %(name)s are the pattern's groups; a group whose name
# starts with "n_" is a number, written again for the language.
ROW_REASONS: tuple[tuple[str, str], ...] = (
    (r"NUL byte in cell", gettext_noop("NUL byte in cell")),
    (r"bytes that are not valid (?P<encoding>\S+) text", gettext_noop("bytes that are not valid %(encoding)s text")),
    (
        rf"row has (?P<n_count>{_NUMBER}) fields, expected (?P<n_width>{_NUMBER})",
        gettext_noop("row has %(n_count)s fields, expected %(n_width)s"),
    ),
    (
        rf"row has (?P<n_count>{_NUMBER}) cells, expected (?P<n_width>{_NUMBER})",
        gettext_noop("row has %(n_count)s cells, expected %(n_width)s"),
    ),
    (r"missing respondent id", gettext_noop("missing respondent id")),
    (r"unparseable date", gettext_noop("unparseable date")),
    (r"not a number", gettext_noop("not a number")),
    (
        rf"out of scale (?P<n_low>-?{_NUMBER})-(?P<n_high>-?{_NUMBER})",
        gettext_noop("out of scale %(n_low)s-%(n_high)s"),
    ),
    (r"missing weight", gettext_noop("missing weight")),
    (r"weight is not a number", gettext_noop("weight is not a number")),
    (r"weight must be > 0", gettext_noop("weight must be > 0")),
    (
        r"duplicate respondent id, first seen on line (?P<line>[0-9]+)",
        gettext_noop("duplicate respondent id, first seen on line %(line)s"),
    ),
    (r"missing outcome", gettext_noop("missing outcome")),
    (r"outcome is not a number", gettext_noop("outcome is not a number")),
    (r"outcome must be an integer 0-10", gettext_noop("outcome must be an integer 0-10")),
)

# An upload's progress message: whole sentences, or parts joined by "; " and ended by "." (the import's summary).
MESSAGE_PARTS: tuple[tuple[str, str], ...] = (
    (r"Reading the file", gettext_noop("Reading the file")),
    (r"Queued for import", gettext_noop("Queued for import")),
    (r"Waiting for the column mapping", gettext_noop("Waiting for the column mapping")),
    (r"Interrupted by a database error; retrying", gettext_noop("Interrupted by a database error; retrying")),
    (
        r"Queued\. The job queue cannot be reached right now: the import starts by itself once it is back "
        r"\(nothing to do, the file is stored\)",
        gettext_noop(
            "Queued. The job queue cannot be reached right now: the import starts by itself once it is back "
            "(nothing to do, the file is stored)"
        ),
    ),
    # a mapping whose outcome name the journey uses with another type (surveys.services.waves)
    (
        r"Outcome type conflict: the outcome “(?P<name>[^”]*)” is (?P<kind>nps|binary|numeric) in this file but "
        r"(?P<other>nps|binary|numeric) in the journey's other waves\. Give it another name, map the same kind of "
        r"outcome, or import into a separate journey",
        gettext_noop(
            "Outcome type conflict: the outcome “%(name)s” is %(kind)s in this file but %(other)s in the journey's "
            "other waves. Give it another name, map the same kind of outcome, or import into a separate journey"
        ),
    ),
    # the worker's child process that reads the file (surveys.ingest.sandbox): a file it could not read
    (
        rf"Reading the file took longer than (?P<n_seconds>{_NUMBER}) seconds, the limit; it was stopped and nothing "
        r"was imported\. Save it as CSV, or split it, and upload again",
        gettext_noop(
            "Reading the file took longer than %(n_seconds)s seconds, the limit; it was stopped and nothing was "
            "imported. Save it as CSV, or split it, and upload again"
        ),
    ),
    (
        rf"Reading the file needs more than (?P<n_mb>{_NUMBER}) MB of memory, the limit; it was stopped and nothing "
        r"was imported\. Save it as CSV, or split it, and upload again",
        gettext_noop(
            "Reading the file needs more than %(n_mb)s MB of memory, the limit; it was stopped and nothing was "
            "imported. Save it as CSV, or split it, and upload again"
        ),
    ),
    (
        r"The file made the reader crash(?P<signal>(?: \(signal [0-9]+\))?); nothing was imported\. Check that it "
        r"is a complete, undamaged export \(save it again, or as CSV\) and upload again",
        gettext_noop(
            "The file made the reader crash%(signal)s; nothing was imported. Check that it is a complete, undamaged "
            "export (save it again, or as CSV) and upload again"
        ),
    ),
    (
        r"The file could not be read \((?P<error>[^()]*)\); nothing was imported\. Check that it is a complete, "
        r"undamaged export \(save it again, or as CSV\) and upload again",
        gettext_noop(
            "The file could not be read (%(error)s); nothing was imported. Check that it is a complete, undamaged "
            "export (save it again, or as CSV) and upload again"
        ),
    ),
    (
        r"The import stopped (?P<n_tries>[0-9]+) times without finishing; nothing was imported",
        gettext_noop("The import stopped %(n_tries)s times without finishing; nothing was imported"),
    ),
    (
        rf"(?P<n_total>{_NUMBER}) rows read, (?P<n_invalid>{_NUMBER}) with errors",
        gettext_noop("%(n_total)s rows read, %(n_invalid)s with errors"),
    ),
    (
        rf"Imported (?P<n_imported>{_NUMBER}) rows \((?P<n_created>{_NUMBER}) new, (?P<n_updated>{_NUMBER}) updated\)",
        gettext_noop("Imported %(n_imported)s rows (%(n_created)s new, %(n_updated)s updated)"),
    ),
    (
        rf"(?P<n_invalid>{_NUMBER}) rows with errors were skipped",
        gettext_noop("%(n_invalid)s rows with errors were skipped"),
    ),
    (
        r"no column was mapped to a moment, so these responses count for the outcome only",
        gettext_noop("no column was mapped to a moment, so these responses count for the outcome only"),
    ),
)

_ROW = [(re.compile(p + r"\Z"), m) for p, m in ROW_REASONS]
_PART = [(re.compile(p + r"\Z"), m) for p, m in MESSAGE_PARTS]


def _number(text: str) -> str:
    value = float(text.replace(",", ""))
    if value.is_integer():
        return number_format(int(value), use_l10n=True, force_grouping=True)
    return number_format(value, decimal_pos=len(text.split(".")[1]), use_l10n=True, force_grouping=True)


def _render(patterns, text: str) -> str | None:
    for pattern, msgid in patterns:
        match = pattern.match(text)
        if match:
            params = {k: (_number(v) if k.startswith("n_") else v) for k, v in match.groupdict().items()}
            return gettext(msgid) % params if params else gettext(msgid)
    return None


def _english() -> bool:
    return (get_language() or "en").startswith("en")


def row_reason_text(reason: str) -> str:
    """A row error's stored reason in the active language (as stored when it is English or unknown)."""
    if _english() or not reason:
        return reason
    rendered = _render(_ROW, reason)
    return reason if rendered is None else rendered


# Whole messages of the reading step (``services.uploads``, ``services.reading``), stored as they are here.
WHOLE_MESSAGES = {
    msgid: msgid
    for msgid in (
        gettext_noop("Reading your file..."),
        gettext_noop("Waiting for the column mapping."),
        gettext_noop(
            "The file is read. The automatic mapping is not confident: finish the mapping on the upload's page, or "
            "upload again with a mapping."
        ),
        gettext_noop(
            "Queued. The job queue cannot be reached right now: the import starts by itself once it is back "
            "(nothing to do, the file is stored)."
        ),
    )
}


def upload_message_text(message: str) -> str:
    """An upload's stored progress or summary message in the active language (as stored when unknown)."""
    if _english() or not message:
        return message
    if message in WHOLE_MESSAGES:
        return gettext(WHOLE_MESSAGES[message])
    body, end = (message[:-1], ".") if message.endswith(".") else (message, "")
    parts = [_render(_PART, part) for part in body.split("; ")]
    if any(p is None for p in parts):
        whole = _render(_PART, body)  # a sentence with "; " inside it ("...; retrying")
        return message if whole is None else whole + end
    return "; ".join(parts) + end


def error_report_text(report: str) -> str:
    """The error CSV (line, column, value, reason) with its reason column in the active language; its column
    names stay English (they are machine-readable, README "Languages")."""
    if _english() or not report:
        return report
    rows = list(csv.reader(io.StringIO(report)))
    if not rows or "reason" not in rows[0]:
        return report
    at = rows[0].index("reason")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=_line_end(report))
    writer.writerow(rows[0])
    for row in rows[1:]:
        if len(row) > at:
            row[at] = row_reason_text(row[at])
        writer.writerow(row)
    return out.getvalue()


def error_report_stream(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """``errors.csv`` as it streams from the stored report: as it is in English; in another language read whole
    and given its reasons in that language (``error_report_text``; a report keeps at most
    ``MOMENTUM_ERROR_REPORT_MAX_ROWS`` rows, so it fits in memory)."""
    if _english():
        yield from blocks
        return
    yield error_report_text(b"".join(blocks).decode("utf-8")).encode("utf-8")


def _line_end(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


# The mapping page's "why this mapping" lines (``surveys.ingest.proposal`` and ``scales``, the saved mapping of
# ``services.uploads``). Names from the file (in quotes) stay as they are; a line no pattern knows is shown as
# written (English).
PROPOSAL_REASONS: tuple[tuple[str, str], ...] = (
    (r"respondent id: (?P<column>'.*') \(matches (?P<alias>'.*')\)",
     gettext_noop("respondent id: %(column)s (matches %(alias)s)")),
    (r"respondent id: none found; line numbers will be used as ids",
     gettext_noop("respondent id: none found; line numbers will be used as ids")),
    (r"date: (?P<column>'.*') \(matches (?P<alias>'.*')\)", gettext_noop("date: %(column)s (matches %(alias)s)")),
    (r"date: none found", gettext_noop("date: none found")),
    (r"ranking: (?P<n>[0-9]+) columns of (?P<question>'.*') rank 1-(?P<m>[0-9]+) once each: not ratings, left out",
     gettext_noop("ranking: %(n)s columns of %(question)s rank 1-%(m)s once each: not ratings, left out")),
    (r"multi-select: (?P<n>[0-9]+) column\(s\) holding one option or nothing, left out",
     gettext_noop("multi-select: %(n)s column(s) holding one option or nothing, left out")),
    (r"moment (?P<name>'.*'): (?P<column>'.*') \(matches (?P<alias>'.*')\)",
     gettext_noop("moment %(name)s: %(column)s (matches %(alias)s)")),
    (r"moment (?P<name>'.*'): no column matches (?P<names>\[.*\])",
     gettext_noop("moment %(name)s: no column matches %(names)s")),
    (r"moments: (?P<rated>[0-9]+) rating-like column\(s\) \(integers on a small scale\) and (?P<labelled>[0-9]+) "
     r"column\(s\) of ordered answer labels",
     gettext_noop("moments: %(rated)s rating-like column(s) (integers on a small scale) and %(labelled)s column(s) "
                  "of ordered answer labels")),
    (r"moments: (?P<rated>[0-9]+) rating-like column\(s\) \(integers on a small scale\)",
     gettext_noop("moments: %(rated)s rating-like column(s) (integers on a small scale)")),
    (r"moments: (?P<labelled>[0-9]+) column\(s\) of ordered answer labels",
     gettext_noop("moments: %(labelled)s column(s) of ordered answer labels")),
    (r"moments: no rating column found \(a rating column holds integers on a scale such as 1-5 or 0-10, or ordered "
     r"answers such as “Very satisfied” … “Very dissatisfied”, with at least 3 different values\)",
     gettext_noop("moments: no rating column found (a rating column holds integers on a scale such as 1-5 or 0-10, "
                  "or ordered answers such as “Very satisfied” … “Very dissatisfied”, with at least 3 different "
                  "values)")),
    (r"not applicable: answers (?P<answers>.*) seen in moment columns",
     gettext_noop("not applicable: answers %(answers)s seen in moment columns")),
    (rf"not applicable: (?P<n_code>-?{_NUMBER}) \(outside the scale, used in (?P<k>[0-9]+) of (?P<n>[0-9]+) rating "
     r"columns\)",
     gettext_noop("not applicable: %(n_code)s (outside the scale, used in %(k)s of %(n)s rating columns)")),
    (rf"not applicable: (?P<n_code>-?{_NUMBER}) \(a usual missing-value code\)",
     gettext_noop("not applicable: %(n_code)s (a usual missing-value code)")),
    (r"missing: an outcome column \(likelihood to recommend 0-10, overall satisfaction, or loyalty\)",
     gettext_noop("missing: an outcome column (likelihood to recommend 0-10, overall satisfaction, or loyalty)")),
    (r"missing: moment columns \(ratings of the steps of the journey\)",
     gettext_noop("missing: moment columns (ratings of the steps of the journey)")),
    (r"segments: (?P<names>.*)", gettext_noop("segments: %(names)s")),
    (r"not proposed as segments \(too many values; group them first\): (?P<names>.*)",
     gettext_noop("not proposed as segments (too many values; group them first): %(names)s")),
    (r"outcome: (?P<column>'.*') \(Qualtrics NPS question, has (?P<group>.*)\)",
     gettext_noop("outcome: %(column)s (Qualtrics NPS question, has %(group)s)")),
    (r"outcome: no recommend / NPS / LTR / satisfaction / loyalty column found",
     gettext_noop("outcome: no recommend / NPS / LTR / satisfaction / loyalty column found")),
    (r"outcome: (?P<column>'.*') as (?P<kind>nps|numeric|binary) \(matches (?P<alias>'.*')\), positive "
     r"(?P<positive>\[.*\])",
     gettext_noop("outcome: %(column)s as %(kind)s (matches %(alias)s), positive %(positive)s")),
    (r"outcome: (?P<column>'.*') as (?P<kind>nps|numeric|binary) \(matches (?P<alias>'.*')\)",
     gettext_noop("outcome: %(column)s as %(kind)s (matches %(alias)s)")),
    (r"outcome: (?P<share>[0-9]+%) of the first rows have no answer in (?P<column>'.*'): those rows are reported "
     r"as “missing outcome” \(tick “skip invalid rows” to import the others\)",
     gettext_noop("outcome: %(share)s of the first rows have no answer in %(column)s: those rows are reported as "
                  "“missing outcome” (tick “skip invalid rows” to import the others)")),
    (r"scale of (?P<name>'.*'): (?P<span>\S+) \(from its header\)",
     gettext_noop("scale of %(name)s: %(span)s (from its header)")),
    (r"scale of (?P<name>'.*'): (?P<span>\S+) like the other moments; (?P<n>[0-9]+) value\(s\) outside it will be "
     r"reported as row errors",
     gettext_noop("scale of %(name)s: %(span)s like the other moments; %(n)s value(s) outside it will be reported "
                  "as row errors")),
    # the further outcomes (issue 11: surveys.ingest.proposal._outcomes_extra_propose)
    (r"outcome “(?P<name>.*)”: (?P<column>'.*') as nps \(matches (?P<word>'.*'), integers 0-10\)",
     gettext_noop("outcome “%(name)s”: %(column)s as nps (matches %(word)s, integers 0-10)")),
    (r"outcome “(?P<name>.*)”: (?P<column>'.*') as binary \(a yes/no question about leaving: not leaving counts as "
     r"retained, matches (?P<word>'.*'), positive (?P<positive>\[.*\])\)",
     gettext_noop("outcome “%(name)s”: %(column)s as binary (a yes/no question about leaving: not leaving counts as "
                  "retained, matches %(word)s, positive %(positive)s)")),
    (r"outcome “(?P<name>.*)”: (?P<column>'.*') as binary \(a yes/no question about staying, matches (?P<word>'.*'), "
     r"positive (?P<positive>\[.*\])\)",
     gettext_noop("outcome “%(name)s”: %(column)s as binary (a yes/no question about staying, matches %(word)s, "
                  "positive %(positive)s)")),
    (r"outcome “(?P<name>.*)”: (?P<column>'.*') as binary \(a yes/no question about buying again, matches "
     r"(?P<word>'.*'), positive (?P<positive>\[.*\])\)",
     gettext_noop("outcome “%(name)s”: %(column)s as binary (a yes/no question about buying again, matches %(word)s, "
                  "positive %(positive)s)")),
    (r"outcome “(?P<name>.*)”: (?P<column>'.*') as binary \(a yes/no question about buying more, matches "
     r"(?P<word>'.*'), positive (?P<positive>\[.*\])\)",
     gettext_noop("outcome “%(name)s”: %(column)s as binary (a yes/no question about buying more, matches %(word)s, "
                  "positive %(positive)s)")),
    (r"outcome “(?P<name>.*)”: (?P<column>'.*') as numeric \(a number scale about effort, matches (?P<word>'.*')\)",
     gettext_noop("outcome “%(name)s”: %(column)s as numeric (a number scale about effort, matches %(word)s)")),
    (r"the mapping saved by this survey's last upload", gettext_noop("the mapping saved by this survey's last upload")),
    (r"the mapping saved by the wave (?P<wave>“.*”)", gettext_noop("the mapping saved by the wave %(wave)s")),
)  # fmt: skip
_REASON = [(re.compile(p + r"\Z", re.DOTALL), m) for p, m in PROPOSAL_REASONS]
_SCALES = re.compile(r"(?P<span>\S+) \((?P<n>[0-9]+) moments?\)")


def proposal_reason_text(reason: str) -> str:
    """One line of the proposed mapping's reasons in the active language (as written when unknown)."""
    if _english() or not reason:
        return reason
    if reason.startswith("scales: "):  # "scales: 1-5 (3 moments), 0-10 (1 moment)"
        spans = []
        for part in reason[len("scales: ") :].split(", "):
            match = _SCALES.fullmatch(part)
            if match is None:
                return reason
            n = int(match["n"])
            spans.append(
                ngettext("%(span)s (%(n)d moment)", "%(span)s (%(n)d moments)", n) % {"span": match["span"], "n": n}
            )
        return gettext("scales: %(spans)s") % {"spans": ", ".join(spans)}
    rendered = _render(_REASON, reason)
    return reason if rendered is None else rendered
