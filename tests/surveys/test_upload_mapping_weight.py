"""The mapping page's "Weight column" choice: posted as the page renders it, stored per response, and offered
again (selected) for the next wave's file."""

import numpy as np
import pandas as pd
import pytest

from surveys.models import Response, UploadStatus
from tests.factories import JourneyFactory
from tests.surveys.test_upload_mapping_page import confirm_and_import, page_form, upload_through_the_form

pytestmark = pytest.mark.django_db


def wave_bytes(seed: int) -> tuple[bytes, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 120
    frame = pd.DataFrame(
        {
            "ResponseId": [f"R{i}" for i in range(n)],
            "How likely are you to recommend us?": rng.integers(0, 11, n),
            "Checkout rating (1-5)": rng.integers(1, 6, n),
            "Delivery rating (1-5)": rng.integers(1, 6, n),
            "Weight": rng.choice([0.4, 0.8, 1.25, 2.5], n),
        }
    )
    return frame.to_csv(index=False).encode(), frame


def test_the_weight_column_chosen_on_the_page_is_stored_and_offered_again(client, analyst, organisation):
    journey = JourneyFactory(organisation=organisation, name="Shop", slug="shop")
    client.force_login(analyst)
    content, frame = wave_bytes(1)
    upload = upload_through_the_form(client, journey, content, "w1.csv")
    html = client.get(f"/uploads/{upload.pk}/mapping/").content
    assert b'<label for="id_weight">Weight column</label>' in html
    form = page_form(html)
    assert form["weight"] == ""  # never proposed: the analyst chooses it
    weight_index = str(list(frame.columns).index("Weight"))
    assert form[f"role-{weight_index}"] == "ignore"

    upload = confirm_and_import(client, upload, {**form, "weight": weight_index})

    assert upload.status == UploadStatus.DONE, upload.message
    stored = dict(Response.objects.filter(survey=upload.survey).values_list("respondent_id", "weight"))
    assert stored == dict(zip(frame["ResponseId"], frame["Weight"], strict=True))
    upload.survey.refresh_from_db()
    assert upload.survey.mapping["weight"] == "Weight"

    content, _ = wave_bytes(2)
    second = upload_through_the_form(client, journey, content, "w2.csv")
    assert page_form(client.get(f"/uploads/{second.pk}/mapping/").content)["weight"] == weight_index
