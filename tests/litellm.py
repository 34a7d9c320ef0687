"""The real LiteLLM proxy (a test dependency) as a separate process, in front of the studio's simulator.

The proxy lives in its own virtualenv (``.venv-litellm``, filled by ``./studio test`` from
``requirements-litellm.txt``: it pins a newer ``openai`` than the studio's tests). ``LITELLM_VENV`` points
elsewhere. Missing under ``CI=true`` is a failure; elsewhere the tests that need it are skipped with the fix.

Interface::

    def test_x(litellm_proxy):            # sora-2 and sora-2-pro -> the live server's simulator
        litellm_proxy.base_url            # "http://127.0.0.1:<port>/v1"
        litellm_proxy.master_key          # the proxy's key: "Authorization: Bearer <master_key>"
        litellm_proxy.upstream_api_key    # the key the proxy sends to the simulator (its jobs' owner)
        litellm_proxy.log()               # what the proxy printed so far

    def test_y(start_litellm_proxy, live_server):  # any upstream, any model names (cached per session)
        proxy = start_litellm_proxy(f"{live_server.url}/sim/v1", models=["sora-2"])

A proxy is started once per session and per (upstream, models): start-up takes seconds (imports), and the live
server's address is fixed for the session. Each is stopped at the end of the session: SIGTERM to its process group,
SIGKILL after a grace period, and its port checked free.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MASTER_KEY = "sk-litellm-master"
UPSTREAM_API_KEY = "sk-litellm-upstream"
DEFAULT_MODELS = ("sora-2", "sora-2-pro")
# Generous for a loaded 2-core machine (about 6 s when idle); the wait ends as soon as the proxy answers.
STARTUP_TIMEOUT = 180.0
STOP_GRACE = 15.0
PORT_ATTEMPTS = 3
# The only variables the proxy inherits: the studio's own (DATABASE_URL, REDIS_URL, OPENAI_*) would switch on
# its database, cache or default OpenAI account.
INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "SSL_CERT_FILE", "SSL_CERT_DIR")


def litellm_executable() -> Path:
    """The proxy's ``litellm`` command; a failure under CI=true, a skip elsewhere, when it is not installed."""
    venv = Path(os.environ.get("LITELLM_VENV", ROOT / ".venv-litellm"))
    executable = venv / "bin" / "litellm"
    if not executable.is_file():
        message = (
            f"The LiteLLM proxy is not installed at {executable}: run ./studio test (it fills .venv-litellm from "
            "requirements-litellm.txt), or set LITELLM_VENV to a venv where that file is installed."
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return executable


@dataclass
class LiteLLMProxy:
    """A running proxy: ``base_url`` ends in ``/v1``; clients authenticate with ``master_key``."""

    base_url: str
    master_key: str
    upstream_base_url: str
    upstream_api_key: str
    models: tuple[str, ...]
    log_path: Path
    startup_seconds: float
    process: subprocess.Popen = field(repr=False)

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1].split("/")[0])

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        _stop(self.process)
        if _port_in_use(self.port):
            raise AssertionError(f"port {self.port} still bound after the LiteLLM proxy stopped")


def proxy_config(upstream_base_url: str, models: Sequence[str], *, upstream_api_key: str, master_key: str) -> str:
    """The proxy's config.yaml: each model name routed to ``openai/<name>`` at the upstream (JSON is YAML)."""
    config = {
        "model_list": [
            {
                "model_name": name,
                "litellm_params": {
                    "model": f"openai/{name}", "api_base": upstream_base_url, "api_key": upstream_api_key,
                },
            }
            for name in models
        ],
        "general_settings": {"master_key": master_key},
    }
    return json.dumps(config, indent=2) + "\n"


def start_proxy(
    upstream_base_url: str,
    *,
    models: Sequence[str] = DEFAULT_MODELS,
    workdir: Path,
    timeout: float = STARTUP_TIMEOUT,
) -> LiteLLMProxy:
    """Start the proxy on a free port; return once it lists ``models``. Its output goes to workdir/litellm-<n>.log."""
    executable = litellm_executable()
    models = tuple(models)
    if not models:
        raise ValueError("at least one model name is required")
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "config.yaml"
    config.write_text(
        proxy_config(upstream_base_url, models, upstream_api_key=UPSTREAM_API_KEY, master_key=MASTER_KEY)
    )
    env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
    env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", PYTHONUNBUFFERED="1", NO_COLOR="1")
    for attempt in range(1, PORT_ATTEMPTS + 1):
        port = _free_port()
        log_path = workdir / f"litellm-{attempt}.log"
        started = time.monotonic()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [str(executable), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)],
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as a whole, never orphaned
            )
        proxy = LiteLLMProxy(
            base_url=f"http://127.0.0.1:{port}/v1",
            master_key=MASTER_KEY,
            upstream_base_url=upstream_base_url,
            upstream_api_key=UPSTREAM_API_KEY,
            models=models,
            log_path=log_path,
            startup_seconds=0.0,
            process=process,
        )
        try:
            _wait_until_ready(proxy, deadline=started + timeout)
        except BaseException:
            _stop(process)
            log_text = proxy.log()
            if "address already in use" in log_text.lower() and attempt < PORT_ATTEMPTS:
                continue  # another process took the port between our probe and the proxy's bind
            raise
        proxy.startup_seconds = time.monotonic() - started
        return proxy
    raise AssertionError("unreachable")  # pragma: no cover


def _wait_until_ready(proxy: LiteLLMProxy, *, deadline: float) -> None:
    """Poll ``GET /v1/models`` until it lists every configured model; fail with the proxy's log."""
    headers = {"Authorization": f"Bearer {proxy.master_key}"}
    request = urllib.request.Request(f"{proxy.base_url}/models", headers=headers)
    last = "no answer yet"
    while True:
        code = proxy.process.poll()
        if code is not None:
            raise AssertionError(f"the LiteLLM proxy exited with {code} before answering; its log:\n{proxy.log()}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                listed = {item["id"] for item in json.load(response)["data"]}
            if set(proxy.models) <= listed:
                return
            last = f"/v1/models lists {sorted(listed)}"
        except (OSError, ValueError, KeyError, TypeError) as exc:  # URLError and HTTPError are OSErrors
            last = f"{type(exc).__name__}: {exc}"
        if time.monotonic() > deadline:
            raise AssertionError(f"the LiteLLM proxy did not answer in time ({last}); its log:\n{proxy.log()}")
        time.sleep(0.25)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the proxy's process group, SIGKILL it after STOP_GRACE seconds; reap the leader."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break  # the whole group is gone
        deadline = time.monotonic() + STOP_GRACE
        while _group_alive(process) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not _group_alive(process):
            break
    process.wait(timeout=STOP_GRACE)


def _group_alive(process: subprocess.Popen) -> bool:
    """Whether any process of the proxy's group still runs (the leader reaped first: a zombie would count)."""
    process.poll()
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def start_litellm_proxy(tmp_path_factory) -> Iterator[Callable[..., LiteLLMProxy]]:
    """``start(upstream_base_url, models=[...])``: a running proxy, one per (upstream, models) per session."""
    running: dict[tuple[str, tuple[str, ...]], LiteLLMProxy] = {}

    def start(upstream_base_url: str, *, models: Sequence[str] = DEFAULT_MODELS) -> LiteLLMProxy:
        key = (upstream_base_url, tuple(models))
        if key not in running:
            running[key] = start_proxy(upstream_base_url, models=models, workdir=tmp_path_factory.mktemp("litellm"))
        return running[key]

    yield start
    errors = []
    for proxy in running.values():
        try:
            proxy.stop()
        except AssertionError as exc:
            errors.append(str(exc))
    assert not errors, errors


@pytest.fixture(scope="session")
def litellm_proxy(start_litellm_proxy, live_server) -> LiteLLMProxy:
    """The proxy in front of the live server's simulator, serving sora-2 and sora-2-pro."""
    return start_litellm_proxy(f"{live_server.url}/sim/v1", models=DEFAULT_MODELS)
