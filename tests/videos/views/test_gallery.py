"""The galleries: all my videos, and per project; filters, search, constant queries, 404 for outsiders."""


from __future__ import annotations

from django.urls import reverse

from videos.models import Video


def test_gallery_lists_videos_of_my_projects_only(client, alice, project, charlie, make_video):
    mine = make_video(project, alice, prompt="A kite over the park")
    make_video(charlie.projects.get(), charlie, prompt="Charlie's secret boat")
    client.force_login(alice)

    r = client.get(reverse("videos:gallery"))

    body = r.content.decode()
    assert r.status_code == 200
    assert "A kite over the park" in body and str(mine.public_id) in body
    assert "secret boat" not in body


def test_project_gallery_filters_by_status_model_owner_and_prompt(client, alice, bob, project, make_video):
    make_video(project, alice, prompt="kite at dawn")
    make_video(project, bob, prompt="kite at dusk", status=Video.Status.FAILED)
    make_video(project, alice, prompt="boat at dawn", model="sora-2-pro")
    client.force_login(alice)
    url = reverse("videos:project-gallery", args=[project.public_id])

    def prompts(**params):
        r = client.get(url, params)
        return {v.prompt for v in r.context["videos"]}

    assert prompts() == {"kite at dawn", "kite at dusk", "boat at dawn"}
    assert prompts(q="kite") == {"kite at dawn", "kite at dusk"}
    assert prompts(status="failed") == {"kite at dusk"}
    assert prompts(model="sora-2-pro") == {"boat at dawn"}
    assert prompts(owner="bob") == {"kite at dusk"}
    assert prompts(q="dawn", owner="alice", model="sora-2") == {"kite at dawn"}


def test_gallery_query_count_does_not_grow_with_videos(client, alice, project, make_video, django_assert_max_num_queries):
    for i in range(3):
        make_video(project, alice, prompt=f"few {i}")
    client.force_login(alice)
    url = reverse("videos:project-gallery", args=[project.public_id])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(20):
        make_video(project, alice, prompt=f"many {i}", status=Video.Status.IN_PROGRESS, progress=i)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_gallery_hides_a_project_from_outsiders(client, project, charlie):
    client.force_login(charlie)
    assert client.get(reverse("videos:project-gallery", args=[project.public_id])).status_code == 404


def test_an_invalid_filter_is_ignored_visibly_and_the_others_still_apply(client, alice, project, make_video):
    make_video(project, alice, prompt="kite at dawn")
    make_video(project, alice, prompt="boat at dawn")
    client.force_login(alice)

    r = client.get(reverse("videos:project-gallery", args=[project.public_id]), {"q": "kite", "since": "garbage", "status": "bogus"})

    assert {v.prompt for v in r.context["videos"]} == {"kite at dawn"}
    body = r.content.decode()
    assert "Ignored:" in body and "Enter a valid date." in body and "Select a valid choice." in body
