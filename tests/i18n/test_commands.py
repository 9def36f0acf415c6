"""The management commands print for people in MOMENTUM_LANGUAGE (English without it), with its number format;
an unknown language is refused by name."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from tests.factories import broadband_journey

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_analyse_speaks_dutch_with_decimal_commas(organisation, settings, monkeypatch):
    settings.MOMENTUM_BOOTSTRAP = 40
    broadband_journey(organisation)
    english, _ = run("analyse", "--journey", "broadband")
    assert "thresholds mean: satisfaction" in english
    monkeypatch.setenv("MOMENTUM_LANGUAGE", "nl")
    dutch, _ = run("analyse", "--journey", "broadband")
    assert dutch.startswith("Analyse ") and "drempels mean: tevredenheid" in dutch
    assert re.search(r"NPS [+-]?\d+,\d \(95% [+-]?\d+,\d tot [+-]?\d+,\d\)", dutch), dutch


def test_erase_and_purge_summaries_in_dutch(organisation, monkeypatch):
    monkeypatch.setenv("MOMENTUM_LANGUAGE", "nl")
    out, _ = run("erase_respondent", "--organisation", organisation.slug, "nobody")
    assert "niet gevonden: nobody" in out
    assert "Er is geen antwoord van deze respondenten gevonden: er is niets gewist." in out
    out, _ = run("purge_uploads", "--dry-run")
    assert out.startswith("Bewaartermijn: een bestand wordt") and "proefdraai" in out


def test_an_unknown_language_is_refused(organisation, monkeypatch):
    monkeypatch.setenv("MOMENTUM_LANGUAGE", "de")
    with pytest.raises(CommandError, match="MOMENTUM_LANGUAGE='de': choose one of en-gb, nl"):
        run("purge_uploads", "--dry-run")
