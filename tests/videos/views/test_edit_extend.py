"""Edit and extend a completed video (contract 3.7): children in the lineage with the kind of step shown, priced by
the registry before submitting (an extension for its added seconds only), under quotas, offered only where the
video's provider can, inside the studio's window, and with the contract's limits (at most 6 extensions, 120 s)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.actors import Actor
from providers.models import Provider
from quotas.models import QuotaCharge, QuotaRule
from tests.conftest import run_pipeline
from videos import services
from videos.models import Video

Status = Video.Status


@pytest.mark.django_db(transaction=True)
def test_an_edit_and_an_extension_run_upstream_and_show_in_the_lineage(queue, alice, project, client):
    parent = run_pipeline(services.video_submit(actor=Actor.of_user(alice), project=project, prompt="A red kite",
                                                model="sora-2", size="1280x720", seconds=8))  # fmt: skip
    client.force_login(alice)

    page = client.get(reverse("videos:detail", args=[parent.public_id])).content.decode()
    assert 'class="edit-form"' in page and 'class="extend-form"' in page
    edited = client.post(reverse("videos:edit", args=[parent.public_id]), {"prompt": "The kite is blue"})
    extended = client.post(reverse("videos:extend", args=[parent.public_id]),
                           {"prompt": "It dives behind the trees", "seconds": 4})  # fmt: skip
    assert edited.status_code == extended.status_code == 302

    edit = run_pipeline(Video.objects.get(operation="edit"))
    extension = run_pipeline(Video.objects.get(operation="extend"))
    assert (edit.status, edit.seconds, str(edit.estimated_cost)) == (Status.COMPLETED, 8, "0.80")
    assert (extension.status, extension.seconds, str(extension.estimated_cost)) == (Status.COMPLETED, 12, "0.40")
    assert QuotaCharge.objects.get(item_id=extension.id).cost_micros == 400_000  # the added 4 s only
    lineage = client.get(reverse("videos:detail", args=[extension.public_id])).content.decode()
    assert "edit:" in lineage and "extension to 12 s:" in lineage
    # The extension's page names it as one, and prices its own children by its 12 s (it cost only its added 4 s).
    assert "extension, v2" in lineage and "<dt>Extension of</dt>" in lineage and "This extension:" in lineage
    assert "same 12 s; costs $1.20" in lineage and "$0.40 for +4 s" in lineage
    client.post(reverse("videos:edit", args=[extension.public_id]), {"prompt": "At night"})
    assert str(Video.objects.get(operation="edit", remixed_from=extension).estimated_cost) == "1.20"


@pytest.mark.django_db
def test_an_extension_keeps_to_the_contracts_limits(alice, project, make_video):
    video = make_video(project, alice, seconds=112, upstream_id="video_long")
    with pytest.raises(Exception, match="120 s at most"):
        services.video_extend(actor=Actor.of_user(alice), parent=video, prompt="more", seconds=12)
    with pytest.raises(Exception, match="adds 4, 8, 12, 16, 20 seconds"):
        services.video_extend(actor=Actor.of_user(alice), parent=video, prompt="more", seconds=5)
    chain = make_video(project, alice, seconds=8, upstream_id="video_c0")
    for i in range(6):
        chain = make_video(project, alice, seconds=8 + 4 * (i + 1), upstream_id=f"video_c{i + 1}",
                           operation="extend", remixed_from=chain)  # fmt: skip
    with pytest.raises(Exception, match="6 times in a row"):
        services.video_extend(actor=Actor.of_user(alice), parent=chain, prompt="more", seconds=4)
    assert Video.objects.filter(status=Status.PENDING).count() == 0


@pytest.mark.django_db
def test_edits_and_extensions_are_refused_where_the_provider_has_none_or_the_window_closed(alice, project, make_video,
                                                                                          client):  # fmt: skip
    plain = Provider.objects.create(slug="plain", name="Plain server", base_url="https://plain.example/v1",
                                    profile={"routes": {"edits": False, "extensions": False}})  # fmt: skip
    video = make_video(project, alice, provider=plain, upstream_id="video_p")
    old = make_video(project, alice, upstream_id="video_o")
    Video.objects.filter(id=old.id).update(created_at=timezone.now() - timedelta(days=2))
    client.force_login(alice)

    page = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()
    assert "has neither edits nor extensions" in page and 'class="edit-form"' not in page
    for url, data in ((reverse("videos:edit", args=[video.public_id]), {"prompt": "x"}),
                      (reverse("videos:extend", args=[video.public_id]), {"prompt": "x", "seconds": 4}),
                      (reverse("videos:edit", args=[old.public_id]), {"prompt": "x"})):  # fmt: skip
        response = client.post(url, data)
        assert response.status_code == 400
    assert Video.objects.count() == 2


@pytest.mark.django_db
def test_an_edit_is_refused_over_quota_and_keeps_its_prompt(alice, project, make_video, client):
    video = make_video(project, alice, upstream_id="video_q")
    QuotaRule.objects.create(user=alice, period="month", max_videos=0)
    client.force_login(alice)

    response = client.post(reverse("videos:edit", args=[video.public_id]), {"prompt": "Make the sky purple"})

    assert response.status_code == 400 and "Make the sky purple" in response.content.decode()
    assert Video.objects.count() == 1
