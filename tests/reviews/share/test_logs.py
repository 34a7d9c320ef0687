"""A guest link's token is a working credential: it appears in no log line, Django's or the web server's."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.test import Client

from reviews.share_logging import GunicornLogger, redact
from tests.reviews.share.conftest import file_url, guest_url

pytestmark = pytest.mark.django_db


def test_refused_guest_requests_log_the_prefix_only(client, video, make_link, caplog):
    _, token = make_link(video, password="pw")
    with caplog.at_level(logging.DEBUG):
        client.post(guest_url(token), {"password": "wrong"})  # 400
        client.get(file_url(token))  # 404: locked
        client.get(file_url(token, "spritesheet"))  # 404: no such file for guests
        client.put(guest_url(token))  # 405
        client.get(guest_url(token + "x"))  # 404: unknown
    text = caplog.text
    assert token not in text and token[:20] not in text
    assert f"guest link {token[:6]}…" in text


def test_the_access_log_keeps_the_prefix_only(video, make_link):
    from gunicorn.config import Config

    _, token = make_link(video)
    assert redact(f"GET /g/{token}/video/?download=1 HTTP/1.1") == f"GET /g/{token[:6]}.../video/?download=1 HTTP/1.1"
    assert redact("GET /videos/gallery/ HTTP/1.1") == "GET /videos/gallery/ HTTP/1.1"

    class Response:
        status = "200 OK"
        sent = 10
        headers = []

    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/g/{token}/", "PATH_INFO": f"/g/{token}/",
               "SERVER_PROTOCOL": "HTTP/1.1", "QUERY_STRING": ""}  # fmt: skip
    atoms = GunicornLogger(Config()).atoms(Response(), [], environ, timedelta(seconds=0))
    assert token not in str(atoms) and atoms["U"] == f"/g/{token[:6]}.../"


def test_a_guest_page_that_opens_logs_nothing(video, make_link, caplog):
    _, token = make_link(video)
    with caplog.at_level(logging.DEBUG):
        Client().get(guest_url(token))
    assert token not in caplog.text


def test_django_logs_a_failing_or_unmatched_guest_path_without_its_token(client, caplog):
    token = "Zk3" + "q" * 40
    with caplog.at_level(logging.DEBUG):
        client.get(f"/g/{token}/video/and/more/")  # no such URL: Django's own 404, logged by django.request
        logging.getLogger("django.request").error("Internal Server Error: %s", f"/g/{token}/")
    assert token not in caplog.text and "/g/Zk3qqq.../" in caplog.text
