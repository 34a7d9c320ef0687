"""Interrupted form posts and a web server SIGKILLed mid-run.

- The same create form posted twice (a double click, a browser's retry) makes one video; a post whose connection
  dropped before the answer, then posted again, makes one video too (the form's submit token).
- The web server (which also serves the simulator here, so renders die with it) is SIGKILLed while videos render
  and restarted: the workers wait it out, the simulator's orphaned renders are picked up again, nothing is lost.
"""

from __future__ import annotations

import re
import socket
import time
from urllib.parse import urlencode

import requests
from django.test import Client
from django.urls import reverse

from tests.faults.harness import wait_until
from videos.models import Video
from videos.sora.simulator.models import SimVideo

Status = Video.Status


def _browser(user) -> requests.Session:
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    return session


def _form(browser: requests.Session, url: str) -> dict:
    page = browser.get(url, timeout=30)
    assert page.status_code == 200, page.status_code
    field = lambda name: re.search(rf'name="{name}" value="([^"]+)"', page.text)[1]  # noqa: E731
    return {"csrfmiddlewaretoken": field("csrfmiddlewaretoken"), "submit_token": field("submit_token"),
            "prompt": "A paper boat on a rain-soaked street, close-up", "model": "sora-2", "size": "1280x720",
            "seconds": "4"}  # fmt: skip


def _post_and_drop(run, path: str, browser: requests.Session, form: dict) -> None:
    """Send the whole POST, then close the connection before reading any answer (a dropped connection)."""
    body = urlencode(form).encode()
    cookies = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{run.port}\r\nCookie: {cookies}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
            f"Origin: {run.url}\r\nReferer: {run.url}{path}\r\nConnection: close\r\n\r\n")  # fmt: skip
    with socket.create_connection(("127.0.0.1", run.port), timeout=10) as sock:
        sock.sendall(head.encode() + body)


def test_interrupted_form_posts_and_a_killed_web_server_lose_and_double_nothing(fault_run):
    run = fault_run
    run.name = "9 form posts doubled/dropped + web server SIGKILL"
    run.start_worker()
    run.start_web(SIM_RENDER_SECONDS="3")
    browser = _browser(run.owner)
    path = reverse("videos:create", args=[run.project.public_id])

    # A double submit: the same form twice.
    twice = _form(browser, run.url + path)
    answers = [browser.post(run.url + path, data=twice, allow_redirects=False, timeout=30) for _ in range(2)]
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]  # both lead to the one video

    # A post whose connection dropped, posted again.
    dropped = _form(browser, run.url + path)
    _post_and_drop(run, path, browser, dropped)
    again = browser.post(run.url + path, data=dropped, allow_redirects=False, timeout=30)
    assert again.status_code == 302
    run.faults["form posted twice"] = 1
    run.faults["form post connection dropped"] = 1

    run.submit(4)
    run.videos = list(Video.objects.filter(owner=run.owner).values_list("id", flat=True))
    assert len(run.videos) == 6
    wait_until(lambda: Video.objects.filter(status=Status.IN_PROGRESS).exists(), 60, "renders upstream")
    killed = time.time()
    run.kill_web()
    run.faults["web server SIGKILL mid-render"] = 1
    time.sleep(1)
    run.start_web(SIM_RENDER_SECONDS="3")
    restarted = time.time()

    rows = run.wait_done(timeout=150)
    last = max(v.archived_at.timestamp() for v in rows if v.archived_at)
    run.recovery["restart to all archived"] = last - restarted
    run.recovery["web down"] = restarted - killed
    run.verify(recovery=last - killed)

    assert all(v.status == Status.COMPLETED for v in rows)
    for form in (twice, dropped):
        assert Video.objects.filter(submit_token=form["submit_token"]).count() == 1
    assert SimVideo.objects.count() == 6
