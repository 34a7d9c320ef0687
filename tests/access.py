"""One shared check of every view's access rules: login (anonymous -> login page), membership (outsider -> 404),
role (too weak -> 403) and method (wrong method -> 405), the same for every view of every app.

A view is described once, in `tests/test_access.py`'s table, as a `ViewSpec`; `check_access` runs all four rules
for it and asserts that a refusal changed nothing. Apps with views of their own add rows to that table (a test
fails when a URL of the studio is missing from it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.test import Client

ROLES = ("viewer", "editor", "owner")


@dataclass(frozen=True)
class ViewSpec:
    name: str  # the URL name, e.g. "videos:remix"
    url: Callable[[dict], str]  # world -> the URL of the object under test
    method: str = "get"  # the method the view takes
    role: str | None = "viewer"  # the weakest project role allowed; None: any signed-in user
    data: dict = field(default_factory=dict)  # a valid body for a POST
    refused_method: str = ""  # a method the view refuses (default: the other of GET and POST)

    @property
    def wrong_method(self) -> str:
        return self.refused_method or ("post" if self.method == "get" else "get")


def _call(client: Client, spec: ViewSpec, world: dict, method: str | None = None):
    method = method or spec.method
    url = spec.url(world)
    if method == "post":
        return client.post(url, spec.data)
    return getattr(client, method)(url)


def check_access(spec: ViewSpec, world: dict, *, snapshot: Callable[[], object]) -> None:
    """Run every access rule of `spec` against `world` (users by role, an outsider, the objects), asserting that a
    refused request leaves `snapshot()` unchanged."""
    before = snapshot()

    anonymous = Client()
    response = _call(anonymous, spec, world)
    assert response.status_code == 302 and settings.LOGIN_URL in response["Location"], (spec.name, "login")

    if spec.role is not None:
        outsider = Client()
        outsider.force_login(world["outsider"])
        assert _call(outsider, spec, world).status_code == 404, (spec.name, "outsider")
        for weaker in ROLES[: ROLES.index(spec.role)]:
            member = Client()
            member.force_login(world[weaker])
            assert _call(member, spec, world).status_code == 403, (spec.name, f"{weaker} is below {spec.role}")

    allowed = Client()
    allowed.force_login(world[spec.role or "outsider"])
    assert _call(allowed, spec, world, spec.wrong_method).status_code == 405, (spec.name, "method")
    assert snapshot() == before, (spec.name, "a refused request changed something")
