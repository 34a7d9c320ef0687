"""The account forms refuse text no database can store (NUL, a lone surrogate) with an error on the field, whatever
the way in (a page, a script, a JSON body decoded to a lone surrogate)."""

from __future__ import annotations

import json

import pytest

from accounts.forms import MemberAddForm, ProjectForm, SignupForm
from accounts.models import User
from tests.conftest import PASSWORD

SURROGATE = json.loads('"kite \\ud800"')  # what a JSON body's "\ud800" escape decodes to


@pytest.mark.parametrize("bad", ["a\x00b", SURROGATE])
@pytest.mark.parametrize("field", ["username", "email", "password1"])
def test_signup_form_refuses_unstorable_text_on_the_field(db, field, bad):
    data = {"username": "zed", "email": "zed@example.com", "password1": PASSWORD, "password2": PASSWORD}
    data[field] = bad if field != "email" else f"zed{bad}@example.com"

    form = SignupForm(data)

    assert not form.is_valid()
    assert "which the studio cannot store" in " ".join(form.errors[field])
    assert not User.objects.filter(username="zed").exists()


@pytest.mark.parametrize(
    "bad, what",
    [("a\x00b", "a NUL character (U+0000)"), (SURROGATE, "a lone surrogate (U+D800, not valid Unicode text)")],
)
def test_project_and_member_forms_say_what_cannot_be_stored(db, bad, what):
    project = ProjectForm({"name": bad})
    member = MemberAddForm({"identifier": bad, "role": "editor"})

    assert not project.is_valid() and not member.is_valid()
    assert project.errors["name"] == [
        f"This text contains {what}, which the studio cannot store. Remove it (it usually comes with text pasted "
        "from a file or another program) and send again."
    ]
    assert member.errors["identifier"] == project.errors["name"]


def test_clean_text_passes(db):
    assert ProjectForm({"name": "Launch film — “take 2” 🎬"}).is_valid()
    assert MemberAddForm({"identifier": "bob@example.com", "role": "viewer"}).is_valid()
