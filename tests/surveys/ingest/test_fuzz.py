"""Whatever bytes are uploaded, ingest either works or raises IngestError: never another exception."""

from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.ingest import IngestError, Mapping, propose_mapping, read_table, validate_chunks

CELL = st.one_of(
    st.sampled_from(["", "1", "5", "10", "-99", "N/A", "Neutral (4)", "4,5", "2024-01-01", "1/2/2024 3:04:05 PM", "x"]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
)
ROW = st.lists(CELL, min_size=1, max_size=6)
SEPARATOR = st.sampled_from([",", ";", "\t", "|"])


def ingest_everything(path: Path, filename: str) -> None:
    try:
        table = read_table(path, filename=filename)
        table.preview(5)
        proposal = propose_mapping(table)
        columns = table.columns
        mappings = [proposal.mapping] if proposal.mapping.outcome else []
        mappings.append(
            Mapping(
                respondent_id=columns[0],
                submitted_at=columns[-1],
                outcome=columns[min(1, len(columns) - 1)],
                outcome_type="numeric",
                moments={"m": columns[-1]} if columns[-1] != columns[min(1, len(columns) - 1)] else {},
                not_applicable=["-99"],
            )
        )
        for mapping in mappings:
            seen: set[int] = set()
            for chunk in validate_chunks(table, mapping, chunksize=5):
                # every row of a chunk is either kept or reported, never both, and no line comes twice
                kept, bad = set(chunk.lines.tolist()), set(chunk.bad_lines.tolist())
                assert not kept & bad and not (kept | bad) & seen
                assert len(chunk.lines) == len(chunk.respondent_id) == len(chunk.ratings)
                assert set(chunk.errors["line"].tolist()) == bad if len(chunk.errors) else not bad
                seen |= kept | bad
    except IngestError:
        pass


FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ_TEXT = settings(FUZZ, max_examples=70)  # each example runs the whole pipeline on up to 12 rows


@FUZZ
@given(data=st.binary(max_size=600), name=st.sampled_from(["a.csv", "a.xlsx", "a.sav", "upload"]))
def test_arbitrary_bytes(data, name):
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.bin"
        path.write_bytes(data)
        ingest_everything(path, name)


@FUZZ_TEXT
@given(
    rows=st.lists(ROW, min_size=0, max_size=12),
    separator=SEPARATOR,
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    quote=st.booleans(),
)
def test_csvish_text(rows, separator, newline, encoding, quote):
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if quote else value

    text = newline.join(separator.join(cell(c) for c in row) for row in rows)
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.csv"
        path.write_bytes(text.encode(encoding, errors="replace"))
        ingest_everything(path, "a.csv")
