"""Helpers for the browser tests of the studio's pages: logging a browser in, real media of any shape (rendered by
the simulator's own renderer), a project with a video in every state, screenshots, and axe-core."""

from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "screenshots"))
AXE = Path(__file__).with_name("axe") / "axe.min.js"
DESKTOP = {"width": 1366, "height": 768}
BLOCKED = "Your request was blocked by our moderation system."
PHONE = {"width": 390, "height": 844}


def shot(page, name: str, *, full_page: bool = True) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def log_in(context, base_url: str, user) -> None:
    """Give the browser a session of `user` (as the login form would), without typing a password."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )


@functools.cache
def media(width: int, height: int, seconds: int = 4) -> dict[str, bytes]:
    """A real MP4, thumbnail and spritesheet of this size, made by the simulator's renderer (once per size)."""
    from videos.sora.simulator.render import RenderSpec, render

    with tempfile.TemporaryDirectory() as tmp:
        spec = RenderSpec(
            width=width, height=height, seconds=seconds, prompt=f"{width}x{height}", palette_seed=7, scene_seed=3
        )
        render(spec, Path(tmp))
        return {
            "video": (Path(tmp) / "video.mp4").read_bytes(),
            "thumbnail": (Path(tmp) / "thumbnail.webp").read_bytes(),
            "spritesheet": (Path(tmp) / "spritesheet.jpg").read_bytes(),
        }


@dataclass
class World:
    """alice's project with a video in every state a page can show."""

    videos: dict[str, object] = field(default_factory=dict)

    def __getitem__(self, name: str):
        return self.videos[name]


def build_world(project, alice, bob, make_video) -> World:
    from accounts.actors import Actor
    from videos import services

    w = World()
    landscape, portrait = media(1280, 720), media(720, 1280)
    add = w.videos.__setitem__
    add(
        "completed",
        make_video(
            project,
            alice,
            upstream_id="vid_done",
            prompt="Wide shot of a red kite over a park at golden hour",
            **landscape,
        ),
    )
    add(
        "chain_v2",
        make_video(
            project,
            bob,
            upstream_id="vid_v2",
            prompt="Same shot, now at dusk",
            remixed_from=w["completed"],
            operation="remix",
            **landscape,
        ),
    )
    add(
        "branch_v2b",
        make_video(
            project,
            alice,
            upstream_id="vid_v2b",
            prompt="Same shot, but in the rain",
            remixed_from=w["completed"],
            operation="remix",
            **landscape,
        ),
    )
    add(
        "chain_v3",
        make_video(
            project,
            alice,
            upstream_id="vid_v3",
            prompt="Same shot, add drifting fog",
            remixed_from=w["chain_v2"],
            operation="remix",
            **landscape,
        ),
    )
    add(
        "portrait",
        make_video(
            project,
            alice,
            upstream_id="vid_p1",
            size="720x1280",
            prompt="A lighthouse at night, tall framing",
            **portrait,
        ),
    )
    add(
        "portrait_remix",
        make_video(
            project,
            alice,
            upstream_id="vid_p2",
            size="720x1280",
            prompt="Same lighthouse, with snow",
            remixed_from=w["portrait"],
            operation="remix",
            **portrait,
        ),
    )
    add("pending", make_video(project, alice, status="pending", prompt="A paper boat on a puddle"))
    add(
        "rendering",
        make_video(project, bob, status="in_progress", progress=40, upstream_id="vid_r", prompt="A tram in the fog"),
    )
    blocked = {"status": "failed", "error_code": "moderation_blocked", "error_message": BLOCKED}
    add("failed", make_video(project, alice, prompt="A blocked-content scene", **blocked))
    add(
        "failed_remix",
        make_video(project, alice, prompt="Same shot, blocked-content", remixed_from=w["completed"], **blocked),
    )
    add("missing", make_video(project, alice, upstream_id="vid_gone", prompt="A file that went missing", **landscape))
    w["missing"].assets.get(kind="video").file.delete(save=False)
    # A deleted video with a remix stays as a tombstone in its family's tree.
    add(
        "tombstone",
        make_video(project, alice, upstream_id=None, prompt="SECRET deleted prompt about a heron", **landscape),
    )
    add(
        "orphan",
        make_video(
            project,
            alice,
            upstream_id="vid_o",
            prompt="Same heron, at dawn",
            remixed_from=w["tombstone"],
            operation="remix",
            **landscape,
        ),
    )
    services.video_delete(actor=Actor.of_user(alice), video=w["tombstone"])
    return w


def axe_check(page) -> dict[str, list[dict]]:
    """Run axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the page; violations grouped by impact."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}, resultTypes: ['violations']});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 200))}));
        }"""
    )
    by_impact: dict[str, list[dict]] = {}
    for violation in result:
        by_impact.setdefault(violation["impact"] or "unknown", []).append(violation)
    return by_impact


def remix_only_provider(base_url: str):
    """A provider that can remix but has no edits (like a relay in front of an older server), where the video page
    offers Remix; on providers with edits, Edit replaces it. Its server is the simulator's relay profile."""
    from providers.models import Provider, ProviderModel

    provider = Provider.objects.create(
        slug="relay", name="Relay", base_url=f"{base_url}/sim/relay/v1", api_key_env="PROVIDER_SIM_KEY",
        profile={"routes": {"remix": True, "edits": False, "extensions": False}},
    )  # fmt: skip
    ProviderModel.objects.create(provider=provider, name="sora-2", prices={"1280x720": "0.10"}, seconds=["4", "8"])
    return provider
