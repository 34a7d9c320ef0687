"""The Team API's list with the studio's organising: each video object carries `metadata` (OpenAI's shape: string
keys to string values) with its title, tags and whether it is the token owner's favourite, and the list takes
`tag` and `favourite` beside the contract's after/limit/order. Bad values: the contract's 400 envelope."""

from __future__ import annotations

import pytest

from accounts.actors import Actor
from api import payloads
from reviews import organise_services as services


@pytest.fixture
def shots(alice, bob, project, make_video):
    videos = [make_video(project, alice, prompt=f"shot {i}") for i in range(4)]
    for v in videos[:2]:
        services.tag_add(actor=Actor.of_user(alice), video=v, name="Dusk")
    services.tag_add(actor=Actor.of_user(alice), video=videos[0], name="kites")
    services.title_set(actor=Actor.of_user(alice), video=videos[0], title="Kite, take 2")
    services.favourite_set(actor=Actor.of_user(bob), video=videos[1], on=True)
    services.favourite_set(actor=Actor.of_user(alice), video=videos[2], on=True)
    return videos


def _ids(answer):
    return [v["id"] for v in answer.json()["data"]]


def test_each_video_carries_its_metadata_for_the_tokens_owner(api_for, bob, project, shots):
    api = api_for(bob, project)
    data = {v["id"]: v for v in api.get("/v1/videos").json()["data"]}
    assert data[payloads.video_id(shots[0])]["metadata"] == {"title": "Kite, take 2", "tags": "Dusk,kites",
                                                              "favourite": "false"}  # fmt: skip
    assert data[payloads.video_id(shots[1])]["metadata"] == {"title": "", "tags": "Dusk", "favourite": "true"}
    assert data[payloads.video_id(shots[2])]["metadata"] == {"title": "", "tags": "", "favourite": "false"}
    one = api.get(f"/v1/videos/{payloads.video_id(shots[1])}").json()
    assert one["metadata"] == {"title": "", "tags": "Dusk", "favourite": "true"}


def test_the_list_filters_by_tag_and_favourite(api_for, alice, bob, project, shots):
    api = api_for(bob, project)
    assert _ids(api.get("/v1/videos", {"tag": "dusk"})) == [payloads.video_id(v) for v in shots[1::-1]]
    assert _ids(api.get("/v1/videos", {"tag": "nothing"})) == []
    assert _ids(api.get("/v1/videos", {"favourite": "true"})) == [payloads.video_id(shots[1])]
    assert _ids(api.get("/v1/videos", {"favourite": "false", "order": "asc"})) == [
        payloads.video_id(v) for v in (shots[0], shots[2], shots[3])
    ]
    assert _ids(api.get("/v1/videos", {"favourite": "1", "tag": "DUSK"})) == [payloads.video_id(shots[1])]
    # alice's token: alice's star
    assert _ids(api_for(alice, project).get("/v1/videos", {"favourite": "true"})) == [payloads.video_id(shots[2])]


def test_the_filters_are_kept_across_pages(api_for, bob, project, shots):
    api = api_for(bob, project)
    first = api.get("/v1/videos", {"tag": "dusk", "limit": 1}).json()
    assert first["has_more"] is True
    second = api.get("/v1/videos", {"tag": "dusk", "limit": 1, "after": first["last_id"]}).json()
    assert [v["id"] for v in first["data"] + second["data"]] == [payloads.video_id(v) for v in shots[1::-1]]
    assert second["has_more"] is False


@pytest.mark.parametrize(
    "params, message",
    [({"tag": "x" * 10_000}, "Invalid 'tag': A tag is at most 50 characters; this one has 10,000."),
     ({"tag": ""}, "Invalid 'tag': A tag cannot be empty."),
     ({"favourite": "maybe"}, None)],
    ids=["long-tag", "empty-tag", "favourite"],
)  # fmt: skip
def test_bad_filters_are_refused_in_the_contracts_envelope(api_for, bob, project, shots, params, message):
    r = api_for(bob, project).get("/v1/videos", params)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["param"] == next(iter(params)) and error["type"] == "invalid_request_error"
    if message:
        assert error["message"] == message


def test_the_description_names_the_filters_and_metadata(client):
    spec = client.get("/v1/openapi.json").json()
    names = [p["name"] for p in spec["paths"]["/videos"]["get"]["parameters"]]
    assert {"tag", "favourite"} <= set(names)
    assert spec["components"]["schemas"]["Video"]["properties"]["metadata"]["additionalProperties"] == {
        "type": "string"
    }


def test_the_lists_queries_do_not_grow_with_its_length(api_for, alice, bob, project, make_video):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_for(bob, project)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/v1/videos", {"limit": 100}).status_code == 200
        return len(queries)

    def more(n):
        for i in range(n):
            v = make_video(project, alice, prompt=f"more {i}")
            services.tag_add(actor=Actor.of_user(alice), video=v, name=f"t{i % 3}")
            services.favourite_set(actor=Actor.of_user(bob), video=v, on=True)

    more(2)
    few = count()
    more(20)
    assert count() == few
