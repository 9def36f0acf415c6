"""python manage.py import_responses (DESIGN section 5) on every real export and on synthetic files with bad rows."""

import io

import pytest
from django.core.management import CommandError, call_command

from cxapp.models import Organisation
from journeys.models import Journey, Moment
from surveys.models import Response, Survey, Upload, UploadStatus
from tests.surveys.helpers import SAMPLES, SYNTHETIC_MAPPING, mapping_file, report_text, sample_mapping, synthetic_csv

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_responses", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_responses", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue() + str(excinfo.value)


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_real_export_imports_with_the_right_respondent_count(name, shared_data, tmp_path):
    rel, _, respondents = SAMPLES[name]
    mapping = mapping_file(tmp_path, sample_mapping(shared_data, name))

    out, _ = run(shared_data / rel, "--journey", name.replace("_", "-"), "--survey", "Wave 1", "--mapping", mapping)

    survey = Survey.objects.get(journey__slug=name.replace("_", "-"), name="Wave 1")
    assert Response.objects.filter(survey=survey).count() == respondents
    upload = Upload.objects.get(survey=survey)
    assert (upload.status, upload.rows_total, upload.rows_imported, upload.rows_invalid) == (
        UploadStatus.DONE, respondents, respondents, 0,
    )  # fmt: skip
    assert f"{respondents:,} imported ({respondents:,} new, 0 updated)" in out
    # a default organisation is made on an installation without one; the mapped moments exist in the journey
    assert Organisation.objects.get().slug == "default"
    moments = sample_mapping(shared_data, name).get("moments", {})
    assert set(Moment.objects.filter(journey=survey.journey).values_list("name", flat=True)) == set(moments)
    assert len(survey.moment_ids) == len(moments)
    assert survey.mapping["outcome"] == sample_mapping(shared_data, name)["outcome"]
    # a file without rating columns imports for its outcome, and says why the matrix will stay empty
    assert ("no column was mapped to a moment" in upload.message) == (not moments)


def test_airline_ratings_treat_zero_as_not_applicable_and_rescale_to_0_100(shared_data, tmp_path):
    mapping = mapping_file(tmp_path, sample_mapping(shared_data, "airline"))
    run(shared_data / "airline/test.csv", "--journey", "airline", "--survey", "Test", "--mapping", mapping)

    survey = Survey.objects.get(name="Test")
    wifi = survey.moment_ids.index(Moment.objects.get(name="Inflight wifi service").pk)
    first = Response.objects.get(survey=survey, respondent_id="19556")  # line 2: wifi 5, satisfied
    assert first.ratings[wifi] == pytest.approx(100.0)
    assert first.outcomes == [1.0]
    assert first.segments == {"Gender": "Female", "Customer Type": "Loyal Customer",
                              "Type of Travel": "Business travel", "Class": "Eco"}  # fmt: skip
    ratings = [r[wifi] for r in Response.objects.filter(survey=survey).values_list("ratings", flat=True)]
    assert sum(r is None for r in ratings) > 0, "0 = not applicable is stored as NULL"
    assert (survey.scale_min, survey.scale_max) == (1.0, 5.0)
    # the single outcome of the mapping is the wave's one outcome, named after its column
    assert survey.outcomes == [{"name": "satisfaction", "type": "binary", "positive": ["satisfied"], "unit": ""}]


def test_a_file_with_three_bad_rows_is_refused_naming_them_and_nothing_is_stored(tmp_path):
    path = synthetic_csv(tmp_path / "wave.csv", 500, bad_lines=(7, 120, 431))
    mapping = mapping_file(tmp_path, SYNTHETIC_MAPPING)

    out, err = refused(path, "--journey", "broadband", "--survey", "W1", "--mapping", mapping, "--keep-refused")

    for line in (7, 120, 431):
        assert f"line {line}, column m2: out of scale 1-5" in err
    assert "3 rows have errors; nothing was imported" in err
    assert Response.objects.count() == 0
    upload = Upload.objects.get()
    assert (upload.status, upload.rows_total, upload.rows_invalid, upload.rows_imported) == ("failed", 500, 3, 0)
    assert report_text(upload).splitlines() == [
        "line,column,value,reason",
        "7,m2,9,out of scale 1-5",
        "120,m2,9,out of scale 1-5",
        "431,m2,9,out of scale 1-5",
    ]


def test_skip_invalid_stores_the_other_rows_and_reports_the_bad_ones(tmp_path):
    path = synthetic_csv(tmp_path / "wave.csv", 500, bad_lines=(7, 120, 431))
    mapping = mapping_file(tmp_path, SYNTHETIC_MAPPING)

    out, _ = run(path, "--journey", "broadband", "--survey", "W1", "--mapping", mapping, "--skip-invalid")

    assert Response.objects.count() == 497
    assert not Response.objects.filter(respondent_id__in=["R0000005", "R0000118", "R0000429"]).exists()
    assert "line 120, column m2: out of scale 1-5" in out
    assert "497 imported (497 new, 0 updated), 3 with errors" in out
    assert Upload.objects.get().status == UploadStatus.DONE


def test_importing_the_same_file_twice_updates_instead_of_duplicating(tmp_path):
    path = synthetic_csv(tmp_path / "wave.csv", 300)
    mapping = mapping_file(tmp_path, SYNTHETIC_MAPPING)
    run(path, "--journey", "broadband", "--survey", "W1", "--mapping", mapping)

    out, _ = run(path, "--journey", "broadband", "--survey", "W1", "--mapping", mapping)

    assert Response.objects.count() == 300
    assert "300 imported (0 new, 300 updated)" in out
    second = Upload.objects.order_by("-pk").first()
    assert (second.responses_created, second.responses_updated) == (0, 300)
    assert Survey.objects.get().data_version == 2


def test_the_saved_mapping_is_reused_for_the_same_wave_and_the_next_one(tmp_path):
    path = synthetic_csv(tmp_path / "wave.csv", 50)
    run(path, "--journey", "broadband", "--survey", "W1", "--mapping", mapping_file(tmp_path, SYNTHETIC_MAPPING))

    again, _ = run(synthetic_csv(tmp_path / "wave1b.csv", 60, seed=1), "--journey", "broadband", "--survey", "W1")
    nxt, _ = run(synthetic_csv(tmp_path / "wave2.csv", 70, seed=2), "--journey", "broadband", "--survey", "W2")

    assert "the mapping saved by this survey's last upload" in again
    assert "the mapping saved by the wave “W1”" in nxt
    assert Response.objects.filter(survey__name="W1").count() == 60
    assert Response.objects.filter(survey__name="W2").count() == 70


def test_without_a_confident_automatic_mapping_the_import_is_refused_with_the_proposal(shared_data):
    out, err = refused(shared_data / "exports/googleforms/osmi_mental_health_in_tech_2014.csv",
                       "--journey", "osmi", "--survey", "2014")  # fmt: skip

    assert "not confident" in err
    assert '"submitted_at": "Timestamp"' in err
    assert "no confident mapping" in err
    assert Response.objects.count() == 0


def test_a_confident_automatic_mapping_is_used(tmp_path):
    path = synthetic_csv(tmp_path / "wave.csv", 80)
    text = path.read_text().replace("ltr", "Likely to recommend")
    path.write_text(text)

    out, _ = run(path, "--journey", "broadband", "--survey", "W1")

    assert "Using the automatic mapping" in out
    assert Response.objects.count() == 80
    assert Survey.objects.get().mapping["outcome"] == "Likely to recommend"


def test_the_journey_and_organisation_are_chosen_by_slug(tmp_path, organisation, other_organisation):
    path = synthetic_csv(tmp_path / "wave.csv", 10)
    mapping = mapping_file(tmp_path, SYNTHETIC_MAPPING)
    _, err = refused(path, "--journey", "broadband", "--survey", "W1", "--mapping", mapping)
    assert "several organisations" in err

    run(path, "--journey", "broadband", "--survey", "W1", "--mapping", mapping, "--organisation", "globex")

    assert Journey.objects.get(slug="broadband").organisation == other_organisation


def test_a_mapping_that_does_not_fit_the_file_is_refused(tmp_path):
    path = synthetic_csv(tmp_path / "wave.csv", 10)
    mapping = mapping_file(tmp_path, {**SYNTHETIC_MAPPING, "outcome": "ltrr"})

    _, err = refused(path, "--journey", "broadband", "--survey", "W1", "--mapping", mapping)

    assert "column 'ltrr' is not in the file (did you mean 'ltr'?)" in err


def test_more_than_fifty_errors_are_summarised(tmp_path):
    path = synthetic_csv(tmp_path / "wave.csv", 200, bad_lines=tuple(range(2, 82)))
    mapping = mapping_file(tmp_path, SYNTHETIC_MAPPING)

    _, err = refused(path, "--journey", "broadband", "--survey", "W1", "--mapping", mapping)

    assert err.count("column m2: out of scale") == 50
    assert "... and 30 more" in err


def test_a_refused_import_into_a_new_journey_leaves_nothing_behind(
    tmp_path, settings, django_capture_on_commit_callbacks
):
    """Issue 17: the journey, the wave, the moments and the upload made for a refused import are removed again,
    and so is the stored file."""
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    path = synthetic_csv(tmp_path / "wave.csv", 100, bad_lines=(7,))
    mapping = mapping_file(tmp_path, SYNTHETIC_MAPPING)

    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the deletions are committed
        _, err = refused(path, "--journey", "broadband", "--survey", "W1", "--mapping", mapping)

    assert "line 7, column m2: out of scale 1-5" in err
    assert "Nothing was kept of this import" in err
    for model in (Journey, Moment, Survey, Upload, Response):
        assert not model.objects.exists(), model.__name__
    assert not [p for p in (tmp_path / "uploads").rglob("*") if p.is_file()]


def test_a_refused_import_into_an_existing_journey_leaves_its_moments_and_waves_as_they_were(tmp_path):
    good, bad = synthetic_csv(tmp_path / "good.csv", 50), synthetic_csv(tmp_path / "bad.csv", 50, bad_lines=(9,))
    mapping = dict(SYNTHETIC_MAPPING)
    run(good, "--journey", "broadband", "--survey", "W0", "--mapping", mapping_file(tmp_path, mapping))
    journey = Journey.objects.get()
    before = (sorted(journey.moments.values_list("pk", "name")), list(Survey.objects.values_list("pk", "data_version")),
              Response.objects.count(), Upload.objects.count())  # fmt: skip
    mapping["moments"] = {**mapping["moments"], "A new moment": "m3"}  # a moment this journey does not have

    _, err = refused(bad, "--journey", "broadband", "--survey", "W1", "--mapping", mapping_file(tmp_path, mapping))
    assert "Nothing was kept" in err
    after = (sorted(journey.moments.values_list("pk", "name")), list(Survey.objects.values_list("pk", "data_version")),
             Response.objects.count(), Upload.objects.count())  # fmt: skip
    assert after == before

    # into the existing wave: the wave stays, as it was
    _, err = refused(bad, "--journey", "broadband", "--survey", "W0", "--mapping", mapping_file(tmp_path, mapping))
    assert "the wave W0 is as it was" in err
    assert (sorted(journey.moments.values_list("pk", "name")), Response.objects.count()) == (before[0], before[2])


def test_a_refused_mapping_leaves_no_journey_either(shared_data):
    refused(shared_data / "exports/googleforms/osmi_mental_health_in_tech_2014.csv", "--journey", "osmi",
            "--survey", "2014")  # fmt: skip
    assert not Journey.objects.filter(slug="osmi").exists()
    assert not Upload.objects.exists()
