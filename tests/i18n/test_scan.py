"""A scan for English on every page a Dutch manager or admin opens: the pages are rendered in Dutch and their
visible text (tags, scripts, styles and the data's own names removed) is searched for English words."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditAction
from audit.services import audit_record
from surveys.models import Upload
from tests.factories import broadband_journey
from tests.surveys.helpers import read_like_the_worker, synthetic_csv

pytestmark = pytest.mark.django_db

DUTCH = {"HTTP_ACCEPT_LANGUAGE": "nl"}
# Words of the interface's English that Dutch never uses ("is", "of", "moment", "details", "filter" are Dutch
# too); the data's names (moments, stages, waves, aliases, segment values) are removed before the search.
ENGLISH = re.compile(
    r"\b(the|and|with|from|your|this|that|which|when|where|there|to|are|was|has|have|not|no|none|"
    r"Save|Delete|Cancel|Edit|Add|Back|Remove|Change|Import|Ignore|Journeys?|Moments|Members?|Satisfaction|"
    r"Reach|Priorities|Upload a|Waves?|Previous|Next|Page|Done|Failed|Queued|Stage|Order)\b"
)


def visible_text(page: str, names: list[str]) -> str:
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    page = re.sub(r'(?s)<option value="[^"]*"[^>]*>[^<]*</option>', " ", page)  # column and wave names
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return " ".join(text.split())


def english_in(text: str) -> list[str]:
    return sorted({m.group(0) for m in ENGLISH.finditer(text)})


def test_no_english_on_the_dutch_pages(client, org_admin, organisation, settings, tmp_path):
    settings.MOMENTUM_BOOTSTRAP = 40
    journey = broadband_journey(organisation)
    moment = journey.moments.order_by("position").first()
    audit_record(action=AuditAction.EXPORT, organisation_id=organisation.pk, details={})
    client.force_login(org_admin)
    path = synthetic_csv(tmp_path / "meting.csv", 40, bad_lines=(5,))
    client.post(
        "/uploads/new/",
        {"journey": journey.pk, "survey": "2026 K3", "file": SimpleUploadedFile("meting.csv", path.read_bytes())},
        **DUTCH,
    )
    upload = read_like_the_worker(Upload.objects.get(original_name="meting.csv").pk)
    names = [
        *journey.moments.values_list("name", flat=True),
        *journey.moments.values_list("stage", flat=True),
        *journey.surveys.values_list("name", flat=True),
        *[a for aliases in journey.moments.values_list("aliases", flat=True) for a in aliases],
        journey.name,
        organisation.name,
        org_admin.username,
        "meting.csv",
        "North", "South", "East", "West", "Basic", "Fibre", "Premium", "rid", "date", "ltr", "region",
        "Relatieve gewichten (Johnson 2000)", "Momentum", "NPS", "top-box", "bootstrap",
    ]  # fmt: skip
    pages = {
        "home": reverse("home"),
        "dashboard": reverse("moments:dashboard", args=[journey.pk]),
        "journey map": reverse("moments:journey_map", args=[journey.pk]),
        "moment": reverse("moments:moment_detail", args=[journey.pk, moment.pk]),
        "report": reverse("moments:report", args=[journey.pk]),
        "journey edit": reverse("journeys:journey_edit", args=[journey.pk]),
        "journey new": reverse("journeys:journey_create"),
        "journey delete": reverse("journeys:journey_delete", args=[journey.pk]),
        "moment edit": reverse("journeys:moment_edit", args=[journey.pk, moment.pk]),
        "moment new": reverse("journeys:moment_create", args=[journey.pk]),
        "moment delete": reverse("journeys:moment_delete", args=[journey.pk, moment.pk]),
        "members": reverse("members", args=[organisation.pk]),
        "audit log": reverse("privacy:audit_log", args=[organisation.pk]),
        "erasure": reverse("privacy:erasure", args=[organisation.pk]),
        "uploads": reverse("surveys:upload_list"),
        "upload new": reverse("surveys:upload_new"),
        "upload": reverse("surveys:upload_detail", args=[upload.pk]),
        "mapping": reverse("surveys:upload_mapping", args=[upload.pk]),
        "not found": "/journeys/999999/",
    }
    found = {}
    for label, url in pages.items():
        response = client.get(url, **DUTCH)
        assert response.status_code in (200, 404), (label, response.status_code)
        words = english_in(visible_text(response.content.decode(), names))
        if words:
            found[label] = words
    assert found == {}, found
