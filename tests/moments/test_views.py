"""Dashboard, exports, moment detail, journey map and management pages: content and permissions."""

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from journeys.models import Journey, Moment
from moments.exports import EXPORT_COLUMNS
from moments.models import AnalysisRun, RunStatus
from tests.factories import JourneyFactory, MomentFactory, UserFactory, broadband_journey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_bootstrap(settings):
    settings.MOMENTUM_BOOTSTRAP = 40


@pytest.fixture
def journey(organisation):
    return broadband_journey(organisation)


MANAGEMENT = {"journey_create", "journey_edit", "journey_delete", "moment_create", "moment_edit", "moment_delete"}


def _url(name, *args):
    app = "journeys" if name in MANAGEMENT else "moments"
    return reverse(f"{app}:{name}", args=args)


# ---------------------------------------------------------------------------------------------------- dashboard
def test_a_viewer_sees_the_quadrant_map_the_top_three_and_the_table(client, manager, journey):
    client.force_login(manager)
    response = client.get(_url("dashboard", journey.pk))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Top 3 priorities" in content
    assert 'id="quadrant-figure"' in content  # the figure, as json_script
    assert "<script>" not in content.replace('<script src="', "")  # no inline scripts: the CSP forbids them
    rows = response.context["rows"]
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    assert len(response.context["top"]) == 3
    assert response.context["insufficient"][0]["moment"] == "Store visit"  # 0.5% reach: listed, not plotted
    figure = response.context["figure"]
    plotted = [t for t in figure["data"] if t.get("mode") == "markers+text"]
    assert "Store visit" not in [name for t in plotted for name in t["text"]]
    assert "Manage moments" not in content  # viewers do not get the edit link


def test_the_view_state_lives_in_the_query_string_and_a_new_filter_queues_a_run(client, manager, journey):
    client.force_login(manager)
    response = client.get(_url("dashboard", journey.pk), {"method": "shapley", "seg_region": "North"})

    assert response.status_code == 200
    run = response.context["run"]
    assert (run.method, run.segment_filter, run.status) == ("shapley", {"region": ["North"]}, RunStatus.QUEUED)
    content = response.content.decode()
    assert _url("run_status", journey.pk, run.pk) in content  # the progress bar polls it
    assert 'value="shapley" selected' in content

    status = client.get(_url("run_status", journey.pk, run.pk)).json()
    assert status == {"id": run.pk, "status": "queued", "progress": 0.0, "message": "", "finished": False}


def test_invalid_filters_fall_back_to_the_default_view(client, manager, journey):
    client.force_login(manager)
    response = client.get(_url("dashboard", journey.pk), {"method": "astrology", "threshold": "fixed"})
    assert response.status_code == 200
    assert response.context["run"].method == "relative_weights"
    assert response.context["rows"]


# ---------------------------------------------------------------------------------------------------- exports
def test_csv_export_has_the_export_columns_in_priority_order(client, manager, journey):
    client.force_login(manager)
    response = client.get(_url("export", journey.pk, "csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    dashboard = client.get(_url("dashboard", journey.pk))
    assert [r[1] for r in rows[1:]] == [r["moment"] for r in dashboard.context["rows"]]


def test_xlsx_and_json_exports(client, manager, journey):
    client.force_login(manager)
    xlsx = client.get(_url("export", journey.pk, "xlsx"))
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(xlsx.content))
    header = [c.value for c in book.worksheets[0][1]]
    assert tuple(header) == EXPORT_COLUMNS
    assert len(book.sheetnames) >= 2  # the sheet stating method, thresholds, filters, n and date

    data = client.get(_url("export", journey.pk, "json"))
    assert data["Content-Type"] == "application/json"
    payload = json.loads(data.content)
    assert payload  # shape owned by moments.exports
    assert b"Service call" in data.content


def test_an_export_of_a_view_still_computing_says_so(client, manager, journey):
    client.force_login(manager)
    response = client.get(_url("export", journey.pk, "csv"), {"method": "correlation"})
    assert response.status_code == 202
    assert b"still computing" in response.content


def test_unknown_export_format_is_404(client, manager, journey):
    client.force_login(manager)
    assert client.get(f"/journeys/{journey.pk}/export.pdf").status_code == 404


# ---------------------------------------------------------------------------------------------------- other pages
def test_moment_detail_shows_numbers_charts_and_the_what_if_model(client, manager, journey):
    technician = journey.moments.get(slug="technician-visit")
    client.force_login(manager)
    response = client.get(_url("moment_detail", journey.pk, technician.pk))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Technician visit" in content
    assert "What if we fixed it?" in content
    assert "linear regression" in content  # the what-if model stated in words
    result = response.context["result"]
    assert result["occurrence_effect"] < 0  # planted: it costs NPS merely by happening
    assert ("A pain point" in content) == ("pain_point" in result["flags"])
    assert set(response.context["figures"]) >= {"distribution", "by_level", "occurrence", "trend", "segments"}


def test_journey_map_lists_stages_in_order_with_quadrants(client, manager, journey):
    client.force_login(manager)
    response = client.get(_url("journey_map", journey.pk))
    assert response.status_code == 200
    stages = list(response.context["stages"])
    assert stages == ["Buy", "Get connected", "Use", "Get help", "Stay"]
    content = response.content.decode()
    assert "tile-raise" in content and "tile-amplify" in content


def test_report_page_has_chart_and_table(client, manager, journey):
    client.force_login(manager)
    response = client.get(_url("report", journey.pk))
    assert response.status_code == 200
    assert b"Print / save as PDF" in response.content and b"priorities-table" in response.content


# ---------------------------------------------------------------------------------------------------- permissions
@pytest.mark.parametrize(
    "name",
    ["dashboard", "report", "journey_map", "export_csv", "status", "detail", "edit", "moment_edit", "delete"],
)
def test_another_organisations_journey_does_not_exist_for_an_outsider(client, outsider, journey, name):
    moment = journey.moments.first()
    run = AnalysisRun.objects.filter(journey=journey).first()
    urls = {
        "dashboard": _url("dashboard", journey.pk),
        "report": _url("report", journey.pk),
        "journey_map": _url("journey_map", journey.pk),
        "export_csv": _url("export", journey.pk, "csv"),
        "status": _url("run_status", journey.pk, run.pk),
        "detail": _url("moment_detail", journey.pk, moment.pk),
        "edit": _url("journey_edit", journey.pk),
        "moment_edit": _url("moment_edit", journey.pk, moment.pk),
        "delete": _url("journey_delete", journey.pk),
    }
    client.force_login(outsider)
    assert client.get(urls[name]).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, journey):
    response = client.get(_url("dashboard", journey.pk))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_viewer_can_view_and_export_but_not_edit(client, manager, journey):
    moment = journey.moments.first()
    client.force_login(manager)
    assert client.get(_url("export", journey.pk, "xlsx")).status_code == 200
    assert client.get(_url("journey_edit", journey.pk)).status_code == 403
    assert client.post(_url("journey_edit", journey.pk), {"name": "Hacked"}).status_code == 403
    assert client.post(_url("moment_create", journey.pk), {"name": "X", "position": 1}).status_code == 403
    assert client.post(_url("moment_delete", journey.pk, moment.pk)).status_code == 403
    assert client.post(_url("journey_delete", journey.pk)).status_code == 403
    assert client.get(reverse("journeys:journey_create")).status_code == 403
    assert Journey.objects.filter(pk=journey.pk, name="Broadband").exists()
    assert Moment.objects.filter(pk=moment.pk).exists()


# ---------------------------------------------------------------------------------------------------- management
def test_an_analyst_creates_a_journey_and_its_moments(client, analyst, organisation):
    client.force_login(analyst)
    response = client.post(reverse("journeys:journey_create"), {"name": "Mobile", "description": "Prepaid SIM"})
    journey = Journey.objects.get(name="Mobile")
    assert response.status_code == 302 and response["Location"] == _url("journey_edit", journey.pk)
    assert (journey.organisation, journey.slug) == (organisation, "mobile")

    response = client.post(
        _url("moment_create", journey.pk),
        {"name": "SIM delivery", "stage": "Get connected", "position": 2, "description": "",
         "is_brand_moment": "on", "aliases": "sim, SIM card ,  delivery of sim,"},
    )  # fmt: skip
    assert response.status_code == 302
    moment = journey.moments.get()
    assert (moment.slug, moment.stage, moment.position, moment.is_brand_moment) == (
        "sim-delivery", "Get connected", 2, True,
    )  # fmt: skip
    assert moment.aliases == ["sim", "SIM card", "delivery of sim"]

    page = client.get(_url("moment_edit", journey.pk, moment.pk))
    assert b'value="sim, SIM card, delivery of sim"' in page.content

    duplicate = client.post(_url("moment_create", journey.pk), {"name": "SIM Delivery", "position": 3})
    assert duplicate.status_code == 200 and "already has a moment" in duplicate.content.decode()

    edit = {"name": "SIM delivery", "stage": "Buy", "position": 5, "aliases": ""}
    client.post(_url("moment_edit", journey.pk, moment.pk), edit)
    moment.refresh_from_db()
    assert (moment.stage, moment.position, moment.aliases) == ("Buy", 5, [])


def test_deleting_asks_for_confirmation_first(client, analyst, organisation):
    journey = JourneyFactory(organisation=organisation, name="Mobile", slug="mobile")
    moment = MomentFactory(journey=journey, name="SIM delivery", slug="sim-delivery")
    client.force_login(analyst)

    confirm = client.get(_url("moment_delete", journey.pk, moment.pk))
    assert confirm.status_code == 200 and b"Delete moment" in confirm.content
    assert Moment.objects.filter(pk=moment.pk).exists()
    client.post(_url("moment_delete", journey.pk, moment.pk))
    assert not Moment.objects.filter(pk=moment.pk).exists()

    assert client.get(_url("journey_delete", journey.pk)).status_code == 200
    response = client.post(_url("journey_delete", journey.pk))
    assert response.status_code == 302 and not Journey.objects.filter(pk=journey.pk).exists()


# ---------------------------------------------------------------------------------------------------- members
def test_an_org_admin_adds_changes_and_removes_members(client, org_admin, analyst, organisation, other_organisation):

    from cxapp.models import Membership

    newcomer = UserFactory(username="dave", password="x")
    client.force_login(org_admin)
    page = client.get(reverse("members", args=[organisation.pk]))
    assert page.status_code == 200 and b"alice" in page.content

    client.post(reverse("members", args=[organisation.pk]), {"username": "dave", "role": "analyst"})
    membership = Membership.objects.get(user=newcomer, organisation=organisation)
    assert membership.role == "analyst"
    unknown = client.post(reverse("members", args=[organisation.pk]), {"username": "nobody", "role": "viewer"})
    assert b"No user with this username" in unknown.content

    client.post(reverse("member_role", args=[organisation.pk, membership.pk]), {"role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == "viewer"
    client.post(reverse("member_remove", args=[organisation.pk, membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()

    # The last admin can neither leave nor be demoted.
    own = Membership.objects.get(user=org_admin, organisation=organisation)
    client.post(reverse("member_role", args=[organisation.pk, own.pk]), {"role": "viewer"})
    client.post(reverse("member_remove", args=[organisation.pk, own.pk]))
    own.refresh_from_db()
    assert own.role == "admin"
    # Nor through the add form, by re-adding themselves with a lesser role.
    readd = client.post(reverse("members", args=[organisation.pk]), {"username": org_admin.username, "role": "viewer"})
    assert b"at least one admin" in readd.content
    own.refresh_from_db()
    assert own.role == "admin"

    # Another organisation's members page does not exist for this admin.
    assert client.get(reverse("members", args=[other_organisation.pk])).status_code == 404


def test_only_admins_manage_members(client, analyst, manager, organisation):
    from cxapp.models import Membership

    target = Membership.objects.get(user=manager)
    client.force_login(analyst)
    assert client.get(reverse("members", args=[organisation.pk])).status_code == 403
    assert client.post(reverse("member_role", args=[organisation.pk, target.pk]), {"role": "admin"}).status_code == 403
    assert client.post(reverse("member_remove", args=[organisation.pk, target.pk])).status_code == 403
    target.refresh_from_db()
    assert target.role == "viewer"


def test_home_cards_show_the_latest_nps_and_top_priority(client, manager, journey):
    client.force_login(manager)
    response = client.get("/")
    card = response.context["journeys"][0]
    assert card.latest["top"].rank == 1
    assert "Top priority" in response.content.decode()
    assert "New journey" not in response.content.decode()


def test_a_journey_without_waves_says_how_to_start(client, analyst, organisation):
    journey = JourneyFactory(organisation=organisation, name="Mobile", slug="mobile")
    client.force_login(analyst)
    for name in ("dashboard", "journey_map"):
        response = client.get(_url(name, journey.pk))
        assert response.status_code == 200
        assert response.context["run"] is None
    assert b"No analysis yet" in client.get(_url("dashboard", journey.pk)).content
    assert not AnalysisRun.objects.filter(journey=journey).exists()
