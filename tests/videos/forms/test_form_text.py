"""The video forms refuse text no database can store (NUL, a lone surrogate) with an error on the field, and look
nothing up with it first."""

from __future__ import annotations

import json

import pytest
from django.http import QueryDict

from videos.forms import GalleryFilterForm, RemixForm, VideoCreateForm
from videos.models import Video

SURROGATE = json.loads('"kite \\ud800"')  # what a JSON body's "\ud800" escape decodes to


@pytest.mark.parametrize("bad", ["a\x00b", SURROGATE])
def test_create_form_refuses_it_in_the_prompt(db, bad):
    form = VideoCreateForm({"prompt": bad, "model": "sora-2", "size": "1280x720", "seconds": "4"})

    assert not form.is_valid()
    assert "which the studio cannot store" in form.errors["prompt"][0]


def test_create_form_does_not_look_up_a_model_name_it_cannot_store(db):
    # The bare-name lookup ran before any check: on PostgreSQL a NUL there was a 500.
    form = VideoCreateForm(QueryDict("prompt=kite&model=sora%00&size=1280x720&seconds=4"))

    assert not form.is_valid()
    assert "not one of the available choices" in form.errors["model"][0]
    assert not Video.objects.exists()


@pytest.mark.parametrize("bad", ["a\x00b", SURROGATE])
def test_remix_form_refuses_it(bad):
    form = RemixForm({"prompt": bad, "variations": "1"})

    assert not form.is_valid()
    assert "which the studio cannot store" in form.errors["prompt"][0]


@pytest.mark.parametrize("bad", ["a\x00b", SURROGATE])
def test_gallery_search_leaves_it_out_and_says_why(db, bad):
    form = GalleryFilterForm({"q": bad, "status": "failed"}, owners=["alice"])

    filters = form.filters()

    assert filters.q == "" and filters.status == "failed"
    assert "which the studio cannot store" in form.errors["q"][0]
