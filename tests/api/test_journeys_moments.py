"""CRUD of journeys and moments: scoping, roles, validation, pagination and filters."""

import pytest

from journeys.models import Journey, Moment

from .conftest import api_client

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------------- journeys
def test_list_shows_only_the_users_organisations_paginated(analyst, journey, foreign_journey):
    response = api_client(analyst).get("/api/journeys/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [j["id"] for j in body["results"]] == [journey.pk]
    assert body["results"][0] == {
        "id": journey.pk,
        "organisation": journey.organisation_id,
        "name": "Onboarding",
        "slug": "onboarding",
        "description": "",
        "moment_count": 4,
        "created_at": body["results"][0]["created_at"],
    }


def test_list_filters_by_organisation_and_slug(analyst, journey, organisation, other_organisation):
    client = api_client(analyst)
    assert client.get(f"/api/journeys/?organisation={organisation.pk}").json()["count"] == 1
    # A foreign organisation's id reads like an unknown one: an empty page, not an error that tells them apart.
    assert client.get(f"/api/journeys/?organisation={other_organisation.pk}").json()["count"] == 0
    assert client.get("/api/journeys/?organisation=999999").json()["count"] == 0
    assert client.get("/api/journeys/?slug=onboarding").json()["count"] == 1
    assert client.get("/api/journeys/?slug=nope").json()["count"] == 0


def test_list_pages_with_limit_and_offset(analyst, organisation):
    Journey.objects.bulk_create([Journey(organisation=organisation, name=f"J{i:02}", slug=f"j{i}") for i in range(7)])
    body = api_client(analyst).get("/api/journeys/?limit=3&offset=3").json()
    assert body["count"] == 7
    assert [j["name"] for j in body["results"]] == ["J03", "J04", "J05"]
    assert body["next"] and body["previous"]


@pytest.mark.parametrize("persona", ["analyst", "org_admin"])
def test_analysts_and_admins_create_journeys(request, persona, organisation):
    user = request.getfixturevalue(persona)
    response = api_client(user).post(
        "/api/journeys/", {"organisation": organisation.pk, "name": "Moving house"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "moving-house"
    assert Journey.objects.get(pk=response.json()["id"]).organisation == organisation


def test_viewer_cannot_create_a_journey(manager, organisation):
    response = api_client(manager).post("/api/journeys/", {"organisation": organisation.pk, "name": "X"}, format="json")
    assert response.status_code == 403
    assert not Journey.objects.exists()


def test_create_in_a_foreign_organisation_is_rejected_like_an_unknown_one(analyst, other_organisation):
    client = api_client(analyst)
    foreign = client.post("/api/journeys/", {"organisation": other_organisation.pk, "name": "X"}, format="json")
    unknown = client.post("/api/journeys/", {"organisation": 999999, "name": "X"}, format="json")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json() == {"detail": "No such organisation, or you are not a member of it."}
    assert not Journey.objects.exists()


def test_create_validates_name_and_unique_slug(analyst, journey, organisation):
    client = api_client(analyst)
    missing = client.post("/api/journeys/", {"organisation": organisation.pk}, format="json")
    assert missing.status_code == 400 and "name" in missing.json()
    clash = client.post("/api/journeys/", {"organisation": organisation.pk, "name": "Onboarding"}, format="json")
    assert clash.status_code == 400 and "name" in clash.json()  # names are unique (journeys.services)


def test_detail_patch_and_delete(analyst, journey):
    client = api_client(analyst)
    url = f"/api/journeys/{journey.pk}/"
    assert client.get(url).json()["name"] == "Onboarding"
    patched = client.patch(url, {"name": "Onboarding 2026", "description": "New"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["name"] == "Onboarding 2026" and patched.json()["slug"] == "onboarding"
    assert client.put(url, {"name": "x"}, format="json").status_code == 405
    assert client.delete(url).status_code == 204
    assert not Journey.objects.filter(pk=journey.pk).exists()


def test_patch_cannot_move_a_journey_to_another_organisation(org_admin, journey, other_organisation):
    response = api_client(org_admin).patch(
        f"/api/journeys/{journey.pk}/", {"organisation": other_organisation.pk}, format="json"
    )
    assert response.status_code == 200
    journey.refresh_from_db()
    assert journey.organisation_id != other_organisation.pk


def test_viewer_reads_but_cannot_change_or_delete_a_journey(manager, journey):
    client = api_client(manager)
    url = f"/api/journeys/{journey.pk}/"
    assert client.get(url).status_code == 200
    assert client.patch(url, {"name": "Hacked"}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    journey.refresh_from_db()
    assert journey.name == "Onboarding"


# ---------------------------------------------------------------------------------------------------- moments
def test_moments_of_a_journey_in_journey_order(manager, journey):
    body = api_client(manager).get(f"/api/journeys/{journey.pk}/moments/").json()
    assert body["count"] == 4
    assert [m["slug"] for m in body["results"]] == ["welcome-pack", "installation", "billing", "app-login"]
    first = body["results"][1]
    assert set(first) == {
        "id", "journey", "name", "slug", "stage", "position", "description", "is_brand_moment", "aliases",
    }  # fmt: skip
    assert first["is_brand_moment"] is True and first["journey"] == journey.pk


def test_moments_filter_by_stage(manager, journey):
    body = api_client(manager).get(f"/api/journeys/{journey.pk}/moments/?stage=Use").json()
    assert sorted(m["slug"] for m in body["results"]) == ["app-login", "billing"]


def test_analyst_adds_edits_and_deletes_a_moment(analyst, journey):
    client = api_client(analyst)
    created = client.post(
        f"/api/journeys/{journey.pk}/moments/",
        {"name": "Technician visit", "stage": "Get connected", "position": 5, "aliases": ["engineer visit"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    moment = created.json()
    assert moment["slug"] == "technician-visit" and moment["aliases"] == ["engineer visit"]
    url = f"/api/moments/{moment['id']}/"
    patched = client.patch(url, {"is_brand_moment": True, "position": 0, "description": "At home"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["is_brand_moment"] is True and patched.json()["position"] == 0
    assert client.get(url).json()["description"] == "At home"
    assert client.delete(url).status_code == 204
    assert not Moment.objects.filter(pk=moment["id"]).exists()


def test_moment_validation(analyst, journey):
    client = api_client(analyst)
    url = f"/api/journeys/{journey.pk}/moments/"
    assert "name" in client.post(url, {"name": "Billing"}, format="json").json()  # name taken
    assert "aliases" in client.post(url, {"name": "A", "aliases": "x"}, format="json").json()
    assert "position" in client.post(url, {"name": "B", "position": -1}, format="json").json()
    billing = journey.moments.get(slug="billing")
    clash = client.patch(f"/api/moments/{billing.pk}/", {"slug": "app-login"}, format="json")
    assert clash.status_code == 400


def test_viewer_cannot_add_change_or_delete_moments(manager, journey):
    client = api_client(manager)
    moment = journey.moments.first()
    assert client.post(f"/api/journeys/{journey.pk}/moments/", {"name": "X"}, format="json").status_code == 403
    assert client.patch(f"/api/moments/{moment.pk}/", {"name": "X"}, format="json").status_code == 403
    assert client.delete(f"/api/moments/{moment.pk}/").status_code == 403
    assert journey.moments.count() == 4


@pytest.mark.parametrize(
    "query", ["limit=-1", "limit=abc", "offset=-5", "offset=x&offset=y", "organisation=1e200", "organisation=0"]
)
def test_malformed_list_parameters_are_400_not_ignored_or_500(analyst, journey, query):
    assert api_client(analyst).get(f"/api/journeys/?{query}").status_code == 400


def test_ids_beyond_bigint_are_400_not_500(analyst, journey):
    client = api_client(analyst)
    huge = 2**70
    assert client.get(f"/api/journeys/{journey.pk}/analysis/?survey={huge}").status_code == 400
    assert client.get(f"/api/journeys/{journey.pk}/segments/?survey={huge}").status_code == 400
    assert client.get(f"/api/journeys/{huge}/").status_code == 404
