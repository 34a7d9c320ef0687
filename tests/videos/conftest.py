"""Fixtures for the video tests live in tests/conftest.py (one cast, one make_video, for every app)."""
