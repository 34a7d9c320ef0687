"""Text no database can store (a NUL character, a lone surrogate) gets a clear 400 on every page and endpoint of the
studio, changes nothing, and never reaches a query; an upload past the cap is dropped as it arrives.

PostgreSQL refuses NUL in text and neither database takes a lone surrogate, so run this file on both:
DATABASE_URL=postgres://postgres@127.0.0.1:5432/<yours> .venv/bin/python -m pytest tests/test_bad_input.py
"""

from __future__ import annotations

import json
import os

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.test.client import BOUNDARY, encode_multipart
from django.urls import reverse

from accounts.models import Membership, Project, User
from config.inputs import CappedUploadHandler, InputGuardMiddleware, OversizedUpload
from tests.conftest import PASSWORD
from videos.models import Video

NUL = "a\x00b"
CLEAR = "contains a NUL character (U+0000), which the studio cannot store"
SURROGATE = "contains a lone surrogate (U+D800, not valid Unicode text), which the studio cannot store"
# A lone surrogate cannot be sent as UTF-8: it arrives when a request names a charset such as utf-7 ("+2AA-" is
# U+D800 there), which Django then decodes the query string and multipart fields with.
UTF7 = "; charset=utf-7"


@pytest.fixture
def c(client):
    client.raise_request_exception = False  # a 500 is an answer to assert on, not an exception in the test
    return client


def _rows() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "projects": Project.objects.count(),
        "members": Membership.objects.count(),
        "videos": Video.objects.count(),
        "login failures": AccessAttempt.objects.count(),
    }


def _refused(r, what: str = CLEAR) -> None:
    body = r.content.decode()
    assert r.status_code == 400, (r.status_code, body[:300])
    if r["Content-Type"].startswith("application/json"):
        assert what in json.loads(body)["error"]
    else:
        assert what in body and "Nothing was changed" in body and "Sora Studio" in body


def _multipart_utf7(client, url: str, data: dict):
    """A form sent as multipart in utf-7: its "+2AA-" fields become U+D800."""
    body = encode_multipart(BOUNDARY, data)
    return client.generic("POST", url, body, content_type=f"multipart/form-data; boundary={BOUNDARY}{UTF7}")


# --- pages anyone can reach -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [{"username": NUL, "password": "x"}, {"username": "alice", "password": NUL}, {NUL: "x", "username": "alice"}],
)
def test_login_refuses_nul_in_any_field(c, alice, data):
    before = _rows()
    _refused(c.post(reverse("login"), data))
    assert _rows() == before and "_auth_user_id" not in c.session


def test_login_refuses_a_nul_in_a_header_and_records_no_failure(c, alice):
    # django-axes stores the user agent of a failed login: PostgreSQL refused it with a 500.
    before = _rows()
    r = c.post(reverse("login"), {"username": "alice", "password": "wrong"}, HTTP_USER_AGENT="Mozilla\x00/5.0")
    _refused(r)
    assert "header “User-Agent”" in r.content.decode()
    assert _rows() == before


def test_login_refuses_a_lone_surrogate(c, alice):
    before = _rows()
    _refused(_multipart_utf7(c, reverse("login"), {"username": "a+2AA-", "password": "x"}), SURROGATE)
    assert _rows() == before


@pytest.mark.parametrize(
    "field, value",
    [("username", NUL), ("email", "a\x00@example.com"), ("password1", NUL), ("username", "a+2AA-"),
     ("password1", "long+2AA-password")],
)  # fmt: skip
def test_signup_refuses_nul_and_surrogates_and_creates_nobody(c, db, field, value):
    data = {"username": "zed", "email": "zed@example.com", "password1": PASSWORD, "password2": PASSWORD}
    data[field] = value
    if field == "password1":
        data["password2"] = value
    before = _rows()

    r = (
        _multipart_utf7(c, reverse("accounts:signup"), data)
        if "+2AA-" in value
        else c.post(reverse("accounts:signup"), data)
    )

    _refused(r, SURROGATE if "+2AA-" in value else CLEAR)
    assert _rows() == before


def test_password_reset_refuses_nul_and_sends_nothing(c, alice, mailoutbox):
    _refused(c.post(reverse("password_reset"), {"email": "alice@example.com\x00"}))
    assert mailoutbox == []


def test_a_nul_in_a_reset_link_is_refused(c, db):
    _refused(c.get("/accounts/reset/MQ/set%00password/"))


def test_a_session_cookie_carrying_a_nul_is_ignored(c, alice):
    # Looking that session up was a 500 on PostgreSQL, on every page: now the visitor is simply not logged in.
    c.cookies["sessionid"] = "abcdefghijkl\x00mnop"

    assert c.get(reverse("login")).status_code == 200
    r = c.get(reverse("videos:gallery"))
    assert r.status_code == 302 and r.url.startswith(reverse("login"))


# --- the studio's pages -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["q=kite%00", "owner=al%00ice", "status=failed%00", "model=sora-2%00", "since=2026-01-01%00", "page=2%00",
     "q%00=kite"],
)  # fmt: skip
def test_gallery_filters_refuse_nul(c, alice, project, make_video, query):
    make_video(project, alice, prompt="A kite at dawn")
    c.force_login(alice)

    _refused(c.get(f"{reverse('videos:gallery')}?{query}"))
    _refused(c.get(f"{reverse('videos:project-gallery', args=[project.public_id])}?{query}"))


def test_gallery_search_refuses_a_lone_surrogate(c, alice, project, make_video):
    # Django decodes the query string with the charset the request names: a 500 on both databases before.
    make_video(project, alice, prompt="A kite at dawn")
    c.force_login(alice)

    _refused(c.get(f"{reverse('videos:gallery')}?q=+2AA-", CONTENT_TYPE=f"text/plain{UTF7}"), SURROGATE)


@pytest.mark.parametrize("ids", ["%00", "{id}%00", "{id},%00"])
def test_status_refuses_nul_in_ids_as_json(c, alice, project, make_video, ids):
    video = make_video(project, alice)
    c.force_login(alice)

    r = c.get(f"{reverse('videos:status')}?ids={ids.format(id=video.public_id)}", HTTP_ACCEPT="application/json")

    _refused(r)
    assert r["Content-Type"] == "application/json"


def test_a_file_link_refuses_nul(c, alice, project, make_video):
    video = make_video(project, alice, video=b"mp4")
    c.force_login(alice)

    _refused(c.get(reverse("videos:asset", args=[video.public_id, "video"]) + "?download=1%00"))


@pytest.mark.parametrize("field", ["prompt", "model", "size", "submit_token", "input_fit"])
def test_create_refuses_nul_in_any_field_and_creates_nothing(c, alice, project, field):
    c.force_login(alice)
    data = {"prompt": "A kite over the park", "model": "sora-2", "size": "1280x720", "seconds": "4"}
    data[field] = NUL  # model: a bare name was looked up before the form checked it (a 500 on PostgreSQL)
    before = _rows()

    _refused(c.post(reverse("videos:create", args=[project.public_id]), data))

    assert _rows() == before


def test_create_refuses_a_lone_surrogate_in_the_prompt(c, alice, project):
    c.force_login(alice)
    data = {"prompt": "A kite +2AA- over the park", "model": "simulator:sora-2", "size": "1280x720", "seconds": "4"}
    before = _rows()

    _refused(_multipart_utf7(c, reverse("videos:create", args=[project.public_id]), data), SURROGATE)

    assert _rows() == before


@pytest.mark.parametrize("prompt, charset", [(NUL, ""), ("same shot +2AA-", UTF7)])
def test_remix_refuses_nul_and_surrogates(c, alice, project, make_video, prompt, charset):
    parent = make_video(project, alice)
    c.force_login(alice)
    url = reverse("videos:remix", args=[parent.public_id])
    before = _rows()

    r = _multipart_utf7(c, url, {"prompt": prompt, "variations": "1"}) if charset else c.post(url, {"prompt": prompt})

    _refused(r, SURROGATE if charset else CLEAR)
    assert _rows() == before


@pytest.mark.parametrize("value, charset", [(NUL, ""), ("Launch +2AA-", UTF7)])
def test_project_create_refuses_nul_and_surrogates(c, alice, value, charset):
    c.force_login(alice)
    url = reverse("accounts:project-create")
    before = _rows()

    r = _multipart_utf7(c, url, {"name": value}) if charset else c.post(url, {"name": value})

    _refused(r, SURROGATE if charset else CLEAR)
    assert _rows() == before


@pytest.mark.parametrize("data", [{"identifier": NUL, "role": "editor"}, {"identifier": "charlie", "role": NUL}])
def test_member_forms_refuse_nul_and_change_no_membership(c, alice, project, charlie, data):
    c.force_login(alice)
    before = _rows()

    _refused(c.post(reverse("accounts:member-add", args=[project.public_id]), data))
    member = Membership.objects.get(project=project, user=alice)
    _refused(c.post(reverse("accounts:member-role", args=[project.public_id, alice.public_id]), {"role": NUL}))

    assert _rows() == before
    assert Membership.objects.get(pk=member.pk).role == member.role


def test_member_add_refuses_a_lone_surrogate(c, alice, project):
    c.force_login(alice)
    before = _rows()

    url = reverse("accounts:member-add", args=[project.public_id])
    _refused(_multipart_utf7(c, url, {"identifier": "char+2AA-lie", "role": "editor"}), SURROGATE)

    assert _rows() == before


# --- the admin --------------------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(c, alice):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    c.force_login(alice)
    return c


@pytest.mark.parametrize(
    "url",
    ["/admin/videos/video/?q=kite%00", "/admin/accounts/user/?q=al%00", "/admin/videos/video/?status__exact=x%00",
     "/admin/videos/video/?model=x%00", "/admin/accounts/project/?q=%00"],
)  # fmt: skip
def test_admin_search_and_filters_refuse_nul(staff_client, url):
    # Filters with a NUL were a 500 on PostgreSQL.
    _refused(staff_client.get(url))


def test_admin_search_refuses_a_lone_surrogate(staff_client):
    _refused(staff_client.get("/admin/videos/video/?q=+2AA-", CONTENT_TYPE=f"text/plain{UTF7}"), SURROGATE)


# --- machine endpoints and uploads ------------------------------------------------------------------------------


def test_machine_endpoints_keep_their_own_checks(c, simulator):
    """Webhooks and the simulator's API are csrf_exempt: they answer in their own format, so the guard leaves
    them (the webhook refuses a NUL webhook-id itself)."""
    r = c.post(reverse("videos:webhook"), "{}", content_type="application/json", HTTP_WEBHOOK_ID="msg\x00")
    assert r.status_code in (400, 404) and r["Content-Type"] == "application/json"
    assert "cannot store" not in r.content.decode()

    request = RequestFactory().post("/webhooks/openai/", {"a": NUL})
    view = type("View", (), {"csrf_exempt": True})()
    before = list(request.upload_handlers)
    assert InputGuardMiddleware(lambda r: None).process_view(request, view, (), {}) is None
    assert list(request.upload_handlers) == before


def test_an_upload_past_the_cap_is_dropped_and_refused_by_size(c, alice, project, settings):
    settings.UPLOAD_MAX_BYTES = 256 * 1024
    c.force_login(alice)
    upload = SimpleUploadedFile("huge.png", os.urandom(1024 * 1024), content_type="image/png")
    data = {"prompt": "A kite", "model": "sora-2", "size": "1280x720", "seconds": "4", "input_reference": upload}

    r = c.post(reverse("videos:create", args=[project.public_id]), data)

    assert r.status_code == 400
    assert r.context["form"].errors["input_reference"] == ["The image is 1.0 MB; the limit is 0.25 MB."]
    kept = r.context["form"].files["input_reference"]
    assert isinstance(kept, OversizedUpload) and kept.size == 1024 * 1024
    assert not Video.objects.exists()


def test_a_huge_upload_is_read_through_but_never_kept(c, alice, project):
    c.force_login(alice)
    upload = SimpleUploadedFile("huge.jpg", b"\xff\xd8\xff" + bytes(25 * 1024 * 1024), content_type="image/jpeg")
    data = {"prompt": "A kite", "model": "sora-2", "size": "1280x720", "seconds": "4", "input_reference": upload}

    r = c.post(reverse("videos:create", args=[project.public_id]), data)

    assert r.status_code == 400
    assert r.context["form"].errors["input_reference"] == ["The image is 25.0 MB; the limit is 20 MB."]
    assert isinstance(r.context["form"].files["input_reference"], OversizedUpload)
    assert r.context["form"]["prompt"].value() == "A kite"  # the form comes back as it was sent


def test_the_upload_handler_passes_bytes_on_up_to_the_cap_and_none_after():
    handler = CappedUploadHandler(max_bytes=100)
    handler.new_file("input_reference", "a.png", "image/png", None)

    passed = [handler.receive_data_chunk(b"x" * 60, 0), handler.receive_data_chunk(b"y" * 60, 60)]
    passed.append(handler.receive_data_chunk(b"z" * 60, 120))
    kept = handler.file_complete(180)

    assert passed == [b"x" * 60, None, None]  # Django's own handlers never see what is past the cap
    assert isinstance(kept, OversizedUpload) and kept.size == 180 and kept.read() == b""
    handler.new_file("input_reference", "b.png", "image/png", None)
    assert handler.receive_data_chunk(b"x" * 60, 0) == b"x" * 60 and handler.file_complete(60) is None


def test_the_upload_cap_is_the_reference_image_limit():
    from videos import images

    assert CappedUploadHandler().max_bytes == images.MAX_BYTES


def test_clean_input_still_works(c, alice, project):
    c.force_login(alice)
    data = {"prompt": "Wide shot of a kite — “golden hour” 🪁", "model": "sora-2", "size": "1280x720", "seconds": "4"}

    r = c.post(reverse("videos:create", args=[project.public_id]), data)

    assert r.status_code == 302
    assert Video.objects.get().prompt == data["prompt"]
    assert c.get(reverse("videos:gallery"), {"q": "🪁"}).status_code == 200
    assert Client().get(reverse("login")).status_code == 200
