"""What the engine writes in English (cautions, the occurrence sentence, What moved, the XLSX files) reads in Dutch
with decimal commas, and in English exactly as the engine wrote it."""

import io
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from moments import services
from moments.analysis.advice import moment_advice
from moments.exports import EXPORT_COLUMNS
from moments.models import MomentResult
from moments.views._common import results_rows
from moments.words import cautions_text, occurrence_sentence_text
from tests.factories import broadband_journey
from tests.moments.moved_data import moved_journey

DUTCH = {"HTTP_ACCEPT_LANGUAGE": "nl"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_three_cautions_in_dutch_and_unchanged_in_english():
    advice = moment_advice(
        quadrant="amplify", reach=0.03, occurrence_effect=-58.2, what_if=-1.25, stability=0.62, uncertain=True
    )
    assert len(advice.cautions) == 3
    numbers = {"reach": 0.03, "occurrence_effect": -58.2, "what_if": -1.25, "stability": 0.62, "unit": "NPS points"}
    with translation.override("en-gb"):
        assert cautions_text(advice, **numbers) == list(advice.cautions)
    with translation.override("nl"):
        dutch = cautions_text(advice, **numbers)
    assert dutch[0].startswith("Het effect van het voorkomen (-58 punten) vergelijkt met maar 3% van de respondenten")
    assert dutch[1].startswith("De wat-als is negatief (+1,2") is False  # a negative number keeps its sign
    assert dutch[1].startswith("De wat-als is negatief (-1,2")  # decimal comma (the engine writes -1.2)
    assert dutch[2] == "Plaatsing onzeker: hetzelfde kwadrant in 62% van de steekproeven."


@pytest.mark.django_db
def test_the_occurrence_sentence_and_cautions_on_the_pages(client, manager, organisation, settings):
    settings.MOMENTUM_BOOTSTRAP = 40
    journey = broadband_journey(organisation)
    run = journey.analysis_runs.filter(status="done").order_by("-pk").first()
    result = next(
        r
        for r in MomentResult.objects.filter(run=run).select_related("moment", "run")
        if r.occurrence_effect is not None and r.occurrence_sentence
    )
    with translation.override("en-gb"):
        assert occurrence_sentence_text(result) == result.occurrence_sentence
    with translation.override("nl"):
        dutch = occurrence_sentence_text(result)
        rows = results_rows(run, journey, "")
    assert re.match(r"^[+-]?\d+ punten, 95%-interval [+-]?\d+ tot [+-]?\d+; ", dutch), dutch
    assert "geteste moment" in dutch
    english_words = re.compile(r"\b(the|points|across|tested|chance|respondents)\b")
    for row in rows:
        for text in [*row["cautions"], row["occurrence_sentence"], row["action"]]:
            assert not english_words.search(text), text
    client.force_login(manager)
    page = client.get(reverse("moments:moment_detail", args=[journey.pk, result.moment_id]), **DUTCH).text
    assert dutch.split(";")[0] in page or "pijnpunt" not in page.lower()


@pytest.mark.django_db
def test_the_priorities_xlsx_in_dutch_and_in_english(client, manager, organisation, settings):
    settings.MOMENTUM_BOOTSTRAP = 40
    journey = broadband_journey(organisation)
    client.force_login(manager)
    url = reverse("moments:export", args=[journey.pk, "xlsx"])
    english = load_workbook(io.BytesIO(client.get(url).content))
    assert english.sheetnames == ["Priorities", "About"]
    assert tuple(c.value for c in english["Priorities"][1]) == EXPORT_COLUMNS
    assert {c.value for c in english["Priorities"]["D"][1:]} <= {"raise", "amplify", "improve", "reduce",
                                                                  "insufficient_data"}  # fmt: skip

    book = load_workbook(io.BytesIO(client.get(url, **DUTCH).content))
    assert book.sheetnames == ["Prioriteiten", "Toelichting"]
    sheet = book["Prioriteiten"]
    headings = [c.value for c in sheet[1]]
    assert headings[:6] == ["rang", "moment", "fase", "kwadrant", "advies", "tevredenheid"]
    quadrants = {c.value for c in sheet["D"][1:]}
    assert quadrants <= {"Verhogen", "Versterken", "Verbeteren", "Minder doen", "Te weinig gegevens"}, quadrants
    actions = [c.value for c in sheet["E"][1:]]
    assert all(not re.search(r"\b(the|it|customers)\b", a) for a in actions), actions
    assert isinstance(sheet["F2"].value, float)  # numbers stay numbers: Excel shows them in its own locale
    about = {row[0].value: row[1].value for row in book["Toelichting"].iter_rows(min_row=2)}
    assert about["Impactmethode"] == "Relatieve gewichten (Johnson 2000)"
    assert re.match(r"^[+-−]?\d+,\d \(95%-interval [+-−]?\d+,\d tot [+-−]?\d+,\d\)$", about["NPS"]), about["NPS"]
    assert re.match(r"^\d\d-\d\d-\d{4} \d\d:\d\d$", about["Gemaakt"]), about["Gemaakt"]
    assert "tevredenheid" in about["Drempels"] and "," in about["Drempels"]
    assert about["Segmentfilter"] == "geen (iedereen)"


@pytest.mark.django_db
def test_what_moved_in_dutch(client, analyst, organisation, settings):
    settings.MOMENTUM_BOOTSTRAP = 100
    journey = moved_journey(organisation)
    q1, q2 = list(journey.surveys.order_by("name").values_list("pk", flat=True))
    for pk in (q1, q2):
        run = services.analysis_request(journey=journey, survey_ids=[pk], enqueue=False)
        services.analysis_run_compute(run_id=run.pk)
    client.force_login(analyst)
    url = reverse("moments:dashboard", args=[journey.pk])
    english = client.get(url, {"wave": q2, "compare": q1}).context["moved"]["sentence"]
    assert english.startswith("NPS fell")
    page = client.get(url, {"wave": q2, "compare": q1}, **DUTCH)
    sentence = page.context["moved"]["sentence"]
    assert sentence.startswith("NPS daalde") and "Installation verklaart" in sentence, sentence
    assert "95%-interval" in sentence and " tot " in sentence
    assert not re.search(r"\b(fell|rose|explains|to)\b", sentence), sentence
    bars = page.context["moved"]["figure"]["data"][0]
    assert bars["x"][-2] == "Rest"
    assert "bijdrage" in bars["hovertext"][1] and "tevredenheid" in bars["hovertext"][1]
    assert page.context["moved"]["figure"]["layout"]["title"]["text"].startswith("Wat NPS bewoog")
    api = reverse("api-journey-moved", args=[journey.pk])
    book = load_workbook(io.BytesIO(client.get(api, {"from": q1, "to": q2, "file": "xlsx"}, **DUTCH).content))
    assert book.sheetnames == ["Wat bewoog", "Toelichting"]
    assert [c.value for c in book["Wat bewoog"][1]][:3] == ["moment", "fase", "bijdrage"]
    moments = [c.value for c in book["Wat bewoog"]["A"][1:]]
    assert moments[-2:] == ["rest", "verandering"]
    about = {row[0].value: row[1].value for row in book["Toelichting"].iter_rows(min_row=2)}
    assert about["In woorden"].startswith("NPS daalde")
    assert "95%-interval" in about["Verandering"] and "," in about["Verandering"]
    book = load_workbook(io.BytesIO(client.get(api, {"from": q1, "to": q2, "file": "xlsx"}).content))
    assert book.sheetnames == ["What moved", "About"]  # English as before
