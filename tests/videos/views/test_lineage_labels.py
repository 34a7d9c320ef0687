"""The lineage tree: labels tell generation and branch apart, variations are linked, and a deleted video shows
nothing of itself (issue items 5 and 16)."""

from __future__ import annotations

import re

from django.urls import reverse

from accounts.actors import Actor
from videos import selectors, services


def _labels(body: str) -> list[str]:
    return [re.sub(r"\s+", " ", g).strip() for g in re.findall(r'<span class="node-gen"[^>]*>([^<]*)</span>', body)]


def test_a_branch_and_the_main_line_get_different_labels(client, alice, project, make_video):
    v1 = make_video(project, alice, prompt="The original kite", upstream_id="v1")
    v2 = make_video(project, alice, prompt="add morning fog", remixed_from=v1, upstream_id="v2")
    v2b = make_video(project, alice, prompt="at night", remixed_from=v1, upstream_id="v2b")
    v3 = make_video(project, alice, prompt="add a heron", remixed_from=v2)
    v3b = make_video(project, alice, prompt="rain on the lens", remixed_from=v2b)
    v2c = make_video(project, alice, prompt="in winter", remixed_from=v1)
    client.force_login(alice)

    body = client.get(reverse("videos:detail", args=[v3b.public_id])).content.decode()

    labels = _labels(body)
    assert [label.split(" ·")[0] for label in labels] == ["v1", "v2", "v3", "v2b", "v3b", "v2c"]
    assert len(set(labels)) == len(labels)
    assert "remix, v3b" in body
    root, _ = selectors.lineage(v3)
    node = selectors.find_node(root, v3b.id)
    assert node.explanation == "v3b: generation 3, on branch b, which starts at v2b (a later remix of v1)."
    assert f'title="{selectors.find_node(root, v2.id).explanation}"' in body.replace("&#x27;", "'")
    assert selectors.find_node(root, v2c.id).label == "v2c"


def test_a_deleted_video_in_the_tree_shows_a_placeholder_and_nothing_of_it(client, alice, bob, project, make_video):
    v1 = make_video(project, bob, prompt="SECRET heron prompt", video=b"mp4", thumbnail=b"webp", upstream_id=None)
    child = make_video(project, alice, prompt="Same heron, at dawn", remixed_from=v1, upstream_id="c1")
    services.video_delete(actor=Actor.of_user(bob), video=v1)
    client.force_login(alice)

    body = client.get(reverse("videos:detail", args=[child.public_id])).content.decode()

    tree = body[body.index('<ul class="tree">') : body.index("</section>", body.index('<ul class="tree">'))]
    assert "Deleted video" in tree and "v1 · deleted" in tree
    assert "SECRET" not in body
    deleted_node = tree[: tree.index("<ul>")]  # the root's own card, before its children
    assert "Deleted video" in deleted_node
    assert "bob" not in deleted_node and "<img" not in deleted_node and "<time" not in deleted_node
    assert str(v1.public_id) not in body


def test_after_a_two_variation_remix_the_page_links_the_other(client, alice, project, make_video):
    parent = make_video(project, alice, upstream_id="video_p")
    client.force_login(alice)

    r = client.post(
        reverse("videos:remix", args=[parent.public_id]),
        {"prompt": "Same shot, at night", "variations": 2},
        follow=True,
    )

    first, second = parent.remixes.order_by("id")
    assert r.redirect_chain[-1][0] == reverse("videos:detail", args=[first.public_id])
    body = r.content.decode()
    second_url = reverse("videos:detail", args=[second.public_id])
    notice = body[body.index('class="messages"') : body.index("</div>\n</div>", body.index('class="messages"'))]
    assert "2 variations" in notice and f'href="{second_url}"' in notice
    # It stays on the page after the notice is gone: both variations are linked from each one's facts.
    again = client.get(reverse("videos:detail", args=[second.public_id])).content.decode()
    facts = again[again.index("data-variations") :]
    assert reverse("videos:detail", args=[first.public_id]) in facts[: facts.index("</dd>")]
    assert "(this one)" in facts[: facts.index("</dd>")]
