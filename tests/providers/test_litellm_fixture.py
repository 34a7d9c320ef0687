"""The harness itself: a proxy starts on a free port, answers, and stops without leaving a process or a port."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from tests.litellm import proxy_config, start_proxy


def test_a_proxy_starts_answers_and_stops_without_leftovers(live_server, tmp_path):
    upstream = f"{live_server.url}/sim/v1"
    proxy = start_proxy(upstream, models=["sora-2"], workdir=tmp_path)
    try:
        assert proxy.base_url == f"http://127.0.0.1:{proxy.port}/v1"
        assert proxy.models == ("sora-2",) and 0 < proxy.startup_seconds < 180
        assert "Uvicorn running on" in proxy.log()
        keys = {"upstream_api_key": proxy.upstream_api_key, "master_key": proxy.master_key}
        assert (tmp_path / "config.yaml").read_text() == proxy_config(upstream, ["sora-2"], **keys)
    finally:
        started = time.monotonic()
        proxy.stop()  # raises if the port is still bound
    assert time.monotonic() - started < 15, "SIGTERM was not enough"
    assert proxy.process.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(proxy.process.pid, 0)  # nothing of its process group is left


def test_a_proxy_that_does_not_answer_in_time_fails_with_its_log_and_is_stopped(live_server, tmp_path):
    with pytest.raises(AssertionError, match=r"did not answer in time \(.*\); its log:\n") as caught:
        start_proxy(f"{live_server.url}/sim/v1", models=["sora-2"], workdir=tmp_path, timeout=0.5)
    assert "did not answer in time" in str(caught.value)
    processes = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    assert [line for line in processes.splitlines() if str(tmp_path) in line] == []  # its command names tmp_path


def test_a_proxy_needs_a_model(live_server, tmp_path):
    with pytest.raises(ValueError, match="at least one model name"):
        start_proxy(f"{live_server.url}/sim/v1", models=[], workdir=tmp_path)
