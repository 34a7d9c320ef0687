"""Fixtures borrowed from their homes: the Team API's token clients and the browser tests' Chromium."""

from __future__ import annotations

from tests.api.conftest import api_for  # noqa: F401  (a fixture)
from tests.e2e.conftest import browser_type_launch_args, q_cluster  # noqa: F401  (fixtures)
