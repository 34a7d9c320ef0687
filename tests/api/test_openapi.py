"""The OpenAPI description: served by the studio, and describing every /v1 route the urlconf has, by method."""

from __future__ import annotations

import re

import pytest

from api import urls

pytestmark = pytest.mark.django_db


def _routes() -> dict[str, set[str]]:
    """The /v1 routes of the urlconf as OpenAPI paths ("/videos/{video_id}"), with the methods each serves."""
    routes = {}
    for pattern in urls.v1_patterns:
        route = str(pattern.pattern)
        if route.startswith("^"):  # the catch-all 404 for unknown paths
            continue
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.removeprefix("v1/"))
        methods = getattr(pattern.callback, "allowed_methods", ("GET",))
        routes[path] = {m.lower() for m in methods}
    return routes


def test_it_is_served_with_this_studios_base_url(client, settings):
    settings.ALLOWED_HOSTS = ["studio.example.org"]
    r = client.get("/v1/openapi.json", HTTP_HOST="studio.example.org")

    assert r.status_code == 200
    spec = r.json()
    assert spec["openapi"].startswith("3.") and spec["servers"] == [{"url": "http://studio.example.org/v1"}]


def test_every_route_and_method_is_described(client):
    paths = client.get("/v1/openapi.json").json()["paths"]
    routes = _routes()

    assert len(routes) >= 7
    for path, methods in routes.items():
        assert path in paths, f"{path} is not described"
        assert methods == set(paths[path]), f"{path}: serves {methods}, described {set(paths[path])}"
    assert set(paths) == set(routes), "the description names a route the studio does not serve"


def test_every_operation_has_its_answers_and_the_envelope(client):
    spec = client.get("/v1/openapi.json").json()

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation["operationId"] and "200" in operation["responses"], (path, method)
            if path != "/openapi.json":
                assert {"400", "401", "403", "404", "429"} <= set(operation["responses"]), (path, method)
                assert operation["security"] == [{"bearer": []}]
    assert spec["components"]["schemas"]["Error"]["required"] == ["message", "type", "param", "code"]
