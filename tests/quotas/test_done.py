"""The issue's "done when", end to end through the admin and the create page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import make_user
from videos.models import Video


@pytest.mark.django_db
def test_five_dollars_a_month_set_in_the_admin_refuses_the_seventh_80_cent_video(client, alice, project):
    root = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(root)
    response = client.post(
        reverse("admin:quotas_quotarule_add"),
        {"user": alice.pk, "project": "", "period": "month", "max_videos": "", "max_seconds": "", "max_spend": "5",
         "max_in_flight": "", "note": "trial"},
    )  # fmt: skip
    assert response.status_code == 302

    client.force_login(alice)
    url = reverse("videos:create", kwargs={"public_id": project.public_id})
    form = {"prompt": "A red kite over a park", "model": "sora-2", "size": "720x1280", "seconds": "8"}
    page = client.get(url).content.decode()
    assert "$5.00 of $5.00 left this month" in page
    for _ in range(6):
        assert client.post(url, form).status_code == 302
    response = client.post(url, form)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Your monthly spend limit is $5.00; $0.20 is left until 1 " in html
    assert "00:00 UTC; this video costs $0.80." in html
    assert "$0.20 of $5.00 left this month" in html
    assert Video.objects.count() == 6

    client.force_login(root)
    report = client.get(reverse("admin:quotas_usage_report")).content.decode()
    assert '<svg class="bars"' in report and "$4.80" in report
