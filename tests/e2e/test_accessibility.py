"""WCAG 2.2 AA on every page a member and an admin see, checked by axe-core in a real browser (desktop, phone, and
the dark colour scheme): no serious or critical violation anywhere. The per-page result is written to
SCREENSHOTS_DIR/axe-<mode>.json and printed."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import make_user
from tests.e2e.pages import DESKTOP, PHONE, SHOTS, axe_check, build_world, log_in, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

MODES = {"desktop": (DESKTOP, "light"), "phone": (PHONE, "light"), "dark": (DESKTOP, "dark")}

# Violations allowed for now, as (page, rule, where): none. (The admin changelist's thumbnail links and status colours
# were the last two; each keeps a test of its own below.)
KNOWN: set[tuple[str, str, str]] = set()


def _known(page: str, violation: dict) -> bool:
    return any(
        page == name and violation["id"] == rule and all(where in node for node in violation["nodes"])
        for name, rule, where in KNOWN
    )


def _anonymous_pages(base, alice):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    return [
        ("login", f"{base}/accounts/login/"),
        ("signup", f"{base}/accounts/signup/"),
        ("password reset", f"{base}/accounts/password_reset/"),
        ("password reset sent", f"{base}/accounts/password_reset/done/"),
        ("password reset link", f"{base}/accounts/reset/{uid}/{default_token_generator.make_token(alice)}/"),
        ("password reset expired link", f"{base}/accounts/reset/{uid}/not-a-token/"),
        ("password reset complete", f"{base}/accounts/reset/done/"),
    ]


def _member_pages(base, world, project):
    def video(name):
        return f"{base}/videos/{world[name].public_id}/"

    return [
        ("gallery", f"{base}/"),
        ("gallery, mine", f"{base}/?scope=mine"),
        ("gallery, filtered to nothing", f"{base}/?q=nothing-matches-this"),
        ("project gallery", f"{base}/projects/{project.public_id}/videos/"),
        ("create", f"{base}/projects/{project.public_id}/videos/new/"),
        ("video: completed", video("completed")),
        ("video: remix with lineage", video("chain_v3")),
        ("video: portrait remix with compare", video("portrait_remix")),
        ("video: waiting", video("pending")),
        ("video: rendering", video("rendering")),
        ("video: failed", video("failed")),
        ("video: failed remix", video("failed_remix")),
        ("video: file missing", video("missing")),
        ("video: remix of a deleted video", video("orphan")),
        ("projects", f"{base}/accounts/projects/"),
        ("project settings", f"{base}/accounts/projects/{project.public_id}/"),
        ("api tokens", f"{base}/settings/api-tokens/"),
        ("api guide", f"{base}/settings/api-tokens/guide/"),
        ("project history", f"{base}/accounts/projects/{project.public_id}/history/"),
        ("notifications", f"{base}/notifications/"),
        ("notification settings", f"{base}/notifications/settings/"),
        ("project webhooks", f"{base}/projects/{project.public_id}/webhooks/"),
        ("password change", f"{base}/accounts/password_change/"),
        ("password changed", f"{base}/accounts/password_change/done/"),
        ("not found", f"{base}/videos/00000000-0000-0000-0000-000000000000/"),
    ]


def _admin_pages(base):
    return [("admin index", f"{base}/admin/"), ("admin videos", f"{base}/admin/videos/video/"),
            ("admin audit log", f"{base}/admin/audit/entry/")]  # fmt: skip


@pytest.mark.parametrize("mode", list(MODES))
def test_every_page_has_no_serious_or_critical_axe_violation(
    mode, live_server, browser, alice, bob, project, make_video
):
    viewport, scheme = MODES[mode]
    world = build_world(project, alice, bob, make_video)
    root = make_user("root", is_staff=True, is_superuser=True)
    base = live_server.url
    report: dict[str, dict[str, list]] = {}

    def visit(context, name, url):
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(url)
        page.wait_for_load_state("networkidle")
        report[name] = axe_check(page)
        shot(page, f"a11y-{mode}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}")
        page.close()

    groups = [
        (None, _anonymous_pages(base, alice)),
        (alice, _member_pages(base, world, project)),
        (root, _admin_pages(base)),
    ]
    for user, pages in groups:
        context = browser.new_context(viewport=viewport, color_scheme=scheme)
        if user is not None:
            log_in(context, base, user)
        for name, url in pages:
            visit(context, name, url)
        context.close()

    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"axe-{mode}.json").write_text(json.dumps(report, indent=2))
    summary = {name: {impact: len(v) for impact, v in found.items()} for name, found in report.items()}
    print(f"\naxe ({mode}):", json.dumps(summary, indent=1))
    serious = {
        name: [
            f"{v['id']} ({impact}): {v['help']} -> {v['nodes']}"
            for impact in ("serious", "critical")
            for v in found.get(impact, [])
            if not _known(name, v)
        ]
        for name, found in report.items()
    }
    assert not {name: problems for name, problems in serious.items() if problems}


def _admin_changelist_violations(live_server, browser, alice, project, make_video, scheme):
    make_video(project, alice, thumbnail=b"webp", upstream_id="v1")
    root = make_user("root", is_staff=True, is_superuser=True)
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)
    log_in(context, live_server.url, root)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/videos/video/")
    found = axe_check(page)
    context.close()
    return [v["id"] for impact in ("serious", "critical") for v in found.get(impact, [])]


def test_the_admin_thumbnail_links_have_names(live_server, browser, alice, project, make_video):
    assert "link-name" not in _admin_changelist_violations(live_server, browser, alice, project, make_video, "light")


def test_the_admin_status_badges_are_readable_on_the_dark_theme(live_server, browser, alice, project, make_video):
    assert "color-contrast" not in _admin_changelist_violations(
        live_server, browser, alice, project, make_video, "dark"
    )
