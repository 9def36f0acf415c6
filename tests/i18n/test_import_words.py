"""Row-error reasons and upload messages are written in English by the pure ingest package and stored; the pages
and the error CSV show them in the reader's language (surveys/words.py). The reasons here are the ones the real
validator writes, so a reworded reason that no pattern knows any more fails this test."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from surveys import services
from surveys.ingest import Mapping, read_table, validate_chunks
from surveys.models import Upload
from surveys.words import error_report_text, row_reason_text, upload_message_text
from tests.factories import JourneyFactory
from tests.surveys.helpers import SYNTHETIC_MAPPING, read_like_the_worker, report_text

DUTCH = {"HTTP_ACCEPT_LANGUAGE": "nl"}

# Each line breaks one rule: a rating out of scale, a rating that is no number, a duplicate id, no outcome, an
# outcome that is no number, one above 10, a date that is no date, a row with too many fields, no respondent id.
BAD_CSV = """rid,date,ltr,m1,m2,m3,region
R1,2025-03-01,9,4,9,3,North
R2,2025-03-01,8,4,abc,3,South
R1,2025-03-01,7,3,3,3,North
R4,2025-03-01,,3,3,3,North
R5,2025-03-01,hoog,3,3,3,North
R6,2025-03-01,12,3,3,3,North
R7,niet-een-datum,5,3,3,3,North
R8,2025-03-01,5,3,3,3,North,extra
,2025-03-01,5,3,3,3,North
R10,2025-03-01,5,2.5,3,3,North
"""


def _reasons(tmp_path) -> list[str]:
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    table = read_table(path)
    mapping = Mapping.from_json(SYNTHETIC_MAPPING | {"scale": [1, 5]})
    return [e.reason for chunk in validate_chunks(table, mapping) for e in chunk.row_errors]


def test_every_reason_the_validator_writes_reads_in_dutch(tmp_path):
    reasons = _reasons(tmp_path)
    assert len(set(reasons)) >= 7, reasons
    with translation.override("en-gb"):
        assert [row_reason_text(r) for r in reasons] == reasons  # English: exactly as stored
    with translation.override("nl"):
        dutch = [row_reason_text(r) for r in reasons]
    untranslated = [r for r, d in zip(reasons, dutch, strict=True) if r == d]
    assert untranslated == [], f"no Dutch for {untranslated}: add a pattern to surveys/words.py"
    assert "buiten de schaal 1-5" in dutch
    assert any(d.startswith("dubbele respondent-id, eerder gezien op regel 2") for d in dutch)


def test_numbers_in_reasons_and_messages_are_written_for_the_language():
    with translation.override("nl"):
        assert row_reason_text("out of scale 0.5-4.5") == "buiten de schaal 0,5-4,5"
        assert upload_message_text(
            "Imported 12,345 rows (12,000 new, 345 updated); 3 rows with errors were skipped."
        ) == ("12.345 rijen ingelezen (12.000 nieuw, 345 bijgewerkt); 3 rijen met fouten zijn overgeslagen.")
        assert upload_message_text("Interrupted by a database error; retrying.") == (
            "Onderbroken door een databasefout; wordt opnieuw geprobeerd."
        )
        unknown = "The file is empty."  # a file-level message no pattern knows: shown as stored
        assert upload_message_text(unknown) == unknown


def test_the_error_csv_keeps_its_columns_and_translates_its_reasons():
    report = (
        "line,column,value,reason\r\n2,m2,9,out of scale 1-5\r\n"
        '4,rid,R1,"duplicate respondent id, first seen on line 2"\r\n'
    )
    with translation.override("en-gb"):
        assert error_report_text(report) == report
    with translation.override("nl"):
        rows = list(csv.reader(io.StringIO(error_report_text(report))))
    assert rows == [
        ["line", "column", "value", "reason"],
        ["2", "m2", "9", "buiten de schaal 1-5"],
        ["4", "rid", "R1", "dubbele respondent-id, eerder gezien op regel 2"],
    ]


def _body(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.mark.django_db
def test_an_upload_with_a_row_error_in_dutch(client, analyst, organisation, tmp_path):
    journey = JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")
    client.force_login(analyst)
    response = client.post(
        "/uploads/new/",
        {"journey": journey.pk, "survey": "W1", "file": SimpleUploadedFile("bad.csv", BAD_CSV.encode())},
        **DUTCH,
    )
    assert response.status_code == 302, response.content
    upload = read_like_the_worker(Upload.objects.get(original_name="bad.csv").pk)
    mapping_page = client.get(f"/uploads/{upload.pk}/mapping/", **DUTCH).text
    assert "De kolommen van bad.csv koppelen" in mapping_page
    assert "Sleutelkolommen" in mapping_page and "Ongeldige rijen overslaan" in mapping_page
    form = {"respondent_id": "0", "submitted_at": "1", "outcome": "2", "outcome_type": "nps", "scale_min": "1",
            "scale_max": "5", "not_applicable": "", "skip_invalid": "on", "role-3": "moment", "name-3": "Ordering",
            "role-4": "moment", "name-4": "Installation", "role-5": "moment", "name-5": "Billing",
            "role-6": "segment", "name-6": "Region"}  # fmt: skip
    assert client.post(f"/uploads/{upload.pk}/mapping/", form, **DUTCH).status_code == 302
    services.upload_ingest(upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.rows_invalid > 0
    page = client.get(f"/uploads/{upload.pk}/", **DUTCH).text
    assert "buiten de schaal 1-5" in page
    assert "rijen ingelezen" in page and "rijen met fouten zijn overgeslagen" in page
    assert "out of scale" not in page
    errors = _body(client.get(f"/uploads/{upload.pk}/errors.csv", **DUTCH))
    assert errors.splitlines()[0] == "line,column,value,reason"  # machine-readable columns
    assert "buiten de schaal 1-5" in errors
    english = _body(client.get(f"/uploads/{upload.pk}/errors.csv", HTTP_ACCEPT_LANGUAGE="en"))
    assert english == report_text(upload) and "out of scale 1-5" in english


def test_the_proposed_mappings_reasons_read_in_dutch(tmp_path):
    from surveys.ingest import propose_mapping
    from surveys.words import proposal_reason_text
    from tests.surveys.helpers import synthetic_csv

    reasons = propose_mapping(read_table(synthetic_csv(tmp_path / "w.csv", 40))).reasons
    assert reasons
    with translation.override("en-gb"):
        assert [proposal_reason_text(r) for r in reasons] == reasons
    with translation.override("nl"):
        dutch = [proposal_reason_text(r) for r in reasons]
    assert [r for r, d in zip(reasons, dutch, strict=True) if r == d] == []
    assert any(d.startswith("uitkomst: 'ltr' als nps") for d in dutch), dutch


def test_the_reading_step_messages_are_known_and_said_in_dutch():
    from surveys.services.reading import NOT_CONFIDENT_MESSAGE, WAITING_MESSAGE
    from surveys.services.uploads import QUEUE_DOWN_MESSAGE, READING_MESSAGE
    from surveys.words import WHOLE_MESSAGES

    stored = (READING_MESSAGE, WAITING_MESSAGE, NOT_CONFIDENT_MESSAGE, QUEUE_DOWN_MESSAGE)
    assert set(stored) <= set(WHOLE_MESSAGES)
    with translation.override("nl"):
        assert upload_message_text(READING_MESSAGE) == "Uw bestand wordt gelezen..."
        assert all(upload_message_text(m) != m for m in stored)


def test_a_file_the_reader_could_not_read_is_said_in_dutch():
    from surveys.ingest.sandbox import Limits, _memory_message

    stored = [
        _memory_message(Limits(memory_mb=2048)),
        "Reading the file took longer than 120 seconds, the limit; it was stopped and nothing was imported. Save it "
        "as CSV, or split it, and upload again.",
        "The file made the reader crash (signal 11); nothing was imported. Check that it is a complete, undamaged "
        "export (save it again, or as CSV) and upload again.",
        "The file could not be read (BadZipFile); nothing was imported. Check that it is a complete, undamaged export "
        "(save it again, or as CSV) and upload again.",
    ]
    with translation.override("nl"):
        dutch = [upload_message_text(m) for m in stored]
    assert "2.048 MB" in dutch[0] and "geheugen" in dutch[0]
    assert "120 seconden" in dutch[1]
    assert "(signal 11)" in dutch[2] and "lezer" in dutch[2]
    assert "(BadZipFile)" in dutch[3]
    assert all(d != m and d.endswith(".") for d, m in zip(dutch, stored, strict=True))


def test_the_further_outcomes_proposed_and_a_type_conflict_are_said_in_dutch(tmp_path):
    from surveys.ingest import propose_mapping, read_table
    from surveys.outcomes import Outcome, outcome_conflicts
    from surveys.services.waves import _conflict_error
    from surveys.words import proposal_reason_text
    from tests.surveys.ingest.conftest import write
    from tests.surveys.ingest.test_outcomes_proposal import _rows
    from tests.surveys.ingest.test_proposal import csv_text

    header = ["Respondent ID", "How likely are you to recommend us? (0-10)", "Will you stay with us next year?",
              "Would you switch to another provider?", "Would you buy more products from us?",
              "Would you buy from us again?", "How much effort did it take to handle your request? (1-7)",
              "Installation (1-5)", "Billing (1-5)", "Ordering (1-5)"]  # fmt: skip
    answers = [
        lambda r, i: i % 11,
        lambda r, i: ["Yes", "No"][i % 3 == 0],
        lambda r, i: ["No", "Yes"][i % 4 == 0],
        lambda r, i: ["Yes", "No"][i % 2],
        lambda r, i: ["Yes", "No"][i % 5 == 0],
        lambda r, i: 1 + i % 7,
        lambda r, i: 1 + i % 5,
        lambda r, i: 1 + (i * 3) % 5,
        lambda r, i: 1 + (i * 7) % 5,
    ]
    reasons = propose_mapping(read_table(write(tmp_path, "o.csv", csv_text(header, _rows(200, answers))))).reasons
    further = [r for r in reasons if r.startswith("outcome “")]
    assert len(further) >= 4, reasons  # staying, leaving, buying more or again, effort: each its own line
    conflict = str(
        _conflict_error(
            outcome_conflicts([Outcome(name="Retention", type="binary")], [Outcome(name="Retention", type="numeric")])
        )
    )
    with translation.override("nl"):
        dutch = [proposal_reason_text(r) for r in further]
        conflict_nl = upload_message_text(conflict)
    assert all(d.startswith("uitkomst “") and d != r for d, r in zip(dutch, further, strict=True)), dutch
    assert conflict_nl.startswith("Conflict in het type uitkomst: de uitkomst “Retention” is numeric"), conflict_nl
    assert conflict_nl.endswith("in een aparte klantreis.")
