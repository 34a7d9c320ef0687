"""A refused remix keeps its prompt; a failure the prompt caused offers "Edit and retry" with the prompt prefilled
and says why in plain words (issue item 12)."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from quotas.models import QuotaRule
from videos.models import Video

BLOCKED = "Your request was blocked by our moderation system."


def test_a_remix_refused_for_quota_shows_the_page_again_with_the_typed_prompt(client, alice, project, make_video):
    parent = make_video(project, alice, upstream_id="video_p")
    QuotaRule.objects.create(user=alice, period="month", max_videos=0)
    client.force_login(alice)

    r = client.post(
        reverse("videos:remix", args=[parent.public_id]), {"prompt": "Same shot, add a red balloon", "variations": 1}
    )

    assert r.status_code == 400
    body = html.unescape(r.content.decode())
    form = body[body.index('class="remix-form"') : body.index("</form>", body.index('class="remix-form"'))]
    assert "Same shot, add a red balloon</textarea>" in form
    assert 'role="alert"' in form and "monthly limit is 0 videos" in form  # inside the form: its draft is kept too
    assert not Video.objects.filter(remixed_from=parent).exists()


def test_an_empty_remix_prompt_is_refused_beside_the_field(client, alice, project, make_video):
    parent = make_video(project, alice, upstream_id="video_p")
    client.force_login(alice)
    r = client.post(reverse("videos:remix", args=[parent.public_id]), {"prompt": " ", "variations": 2})
    assert r.status_code == 400
    assert "field-invalid" in r.content.decode() and "the prompt is empty" in r.content.decode()


def test_a_moderation_failure_offers_edit_and_retry_not_retry(client, alice, project, make_video):
    video = make_video(project, alice, status="failed", error_code="moderation_blocked", error_message=BLOCKED,
                       prompt="A blocked-content scene", size="720x1280", seconds=8, model="sora-2")  # fmt: skip
    client.force_login(alice)

    body = html.unescape(client.get(reverse("videos:detail", args=[video.public_id])).content.decode())

    assert reverse("videos:retry", args=[video.public_id]) not in body
    edit_url = reverse("videos:create", args=[project.public_id]) + f"?from={video.public_id}"
    assert f'href="{edit_url}"' in body and "Edit and retry" in body
    assert "safety check refused this prompt" in body and "would be refused again" in body
    assert BLOCKED in body

    form = client.get(edit_url)
    assert form.status_code == 200
    page = html.unescape(form.content.decode())
    assert "A blocked-content scene</textarea>" in page
    assert form.context["form"].initial["size"] == "720x1280" and form.context["form"].initial["seconds"] == 8
    assert f'data-keep-draft="from-{video.public_id}"' in page  # a draft of another video does not replace it


def _retried_form(client, parent, failed, form_class):
    body = html.unescape(client.get(reverse("videos:detail", args=[failed.public_id])).content.decode())
    edit_url = reverse("videos:detail", args=[parent.public_id]) + f"?retry={failed.public_id}#retry"
    assert f'href="{edit_url}"' in body
    page = html.unescape(client.get(edit_url.split("#")[0]).content.decode())
    assert 'id="retry"' in page and "safety check refused this prompt" in page
    start = page.index(f'class="{form_class}"')
    return page[start : page.index("</form>", start)]


@pytest.mark.parametrize("edits", [False, True], ids=["remix-only provider", "provider with edits"])
def test_a_failed_remix_is_edited_in_its_parents_form(client, alice, project, make_video, edits):
    """Where the provider has edits, Edit replaces Remix: a failed remix's prompt starts the parent's edit form."""
    from providers.models import Provider

    provider = Provider.objects.create(slug="server", name="A server", base_url="http://127.0.0.1:9/v1",
                                       profile={"routes": {"remix": True, "edits": edits}})  # fmt: skip
    parent = make_video(project, alice, upstream_id="video_p", provider=provider)
    failed = make_video(project, alice, status="failed", error_code="moderation_blocked", error_message=BLOCKED,
                        prompt="Same shot, blocked-content", remixed_from=parent, provider=provider)  # fmt: skip
    client.force_login(alice)

    form = _retried_form(client, parent, failed, "edit-form" if edits else "remix-form")
    assert "Same shot, blocked-content</textarea>" in form


def test_a_failed_extension_is_edited_in_its_parents_extend_form(client, alice, project, make_video):
    parent = make_video(project, alice, upstream_id="video_p", seconds=4)
    failed = make_video(project, alice, status="failed", error_code="moderation_blocked", error_message=BLOCKED,
                        prompt="The kite dives, blocked-content", remixed_from=parent, operation="extend",
                        seconds=12)  # fmt: skip
    client.force_login(alice)

    form = _retried_form(client, parent, failed, "extend-form")
    assert "The kite dives, blocked-content</textarea>" in form
    assert '<option value="8" selected>' in form  # the same +8 s


def test_other_failures_keep_retry_and_also_offer_editing(client, alice, project, make_video):
    video = make_video(project, alice, status="failed", error_code="internal_error", error_message="Boom.")
    client.force_login(alice)
    body = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()
    assert reverse("videos:retry", args=[video.public_id]) in body and "Edit and retry" in body
    assert "Your prompt was not the cause" in body


def test_edit_and_retry_ignores_a_video_of_another_project_or_a_bad_id(client, alice, charlie, project, make_video):
    from accounts.actors import Actor
    from accounts.services import project_create

    other = project_create(actor=Actor.of_user(charlie), name="Elsewhere")
    theirs = make_video(other, charlie, status="failed", prompt="charlie's secret prompt")
    client.force_login(alice)
    for value in (theirs.public_id, "not-a-uuid"):
        r = client.get(reverse("videos:create", args=[project.public_id]) + f"?from={value}")
        assert r.status_code == 200 and "charlie's secret prompt" not in html.unescape(r.content.decode())
