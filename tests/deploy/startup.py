"""Running the studio's own commands in a fresh process with exactly the environment a test gives (plus DATA_DIR)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def clean_env(tmp_path: Path, **env: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    base.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DATA_DIR": str(tmp_path / "data")})
    base.update(env)
    return base


def manage(tmp_path: Path, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean_env(tmp_path, **env), capture_output=True,
        text=True, timeout=timeout,
    )  # fmt: skip


def python(tmp_path: Path, code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean_env(tmp_path, **env), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """deploy/studio.env.example with its <...> filled and its secret files written (mode 0640), plus what the
    units set themselves (DATA_DIR, SECRET_KEY_FILE, DATABASE_URL_FILE)."""
    credentials = tmp_path / "credentials"
    credentials.mkdir(exist_ok=True)

    def secret(name: str, value: str) -> str:
        path = credentials / name
        path.write_text(value + "\n")
        path.chmod(0o640)
        return str(path)

    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    for line in (DEPLOY / "studio.env.example").read_text().splitlines():
        match = re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            env[match[1]] = re.sub(r"<[^<>]*>", "placeholder", match[2])
    for name, value in list(env.items()):
        if name.endswith("_FILE") and value.startswith("/etc/sora-studio/credentials/"):
            env[name] = secret(Path(value).name, f"{name.lower()}-secret-value")
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings", DATA_DIR=str(tmp_path / "data"),
        SECRET_KEY_FILE=secret("secret_key", "s" * 20 + os.urandom(24).hex()),
        DATABASE_URL_FILE=secret("database_url", f"sqlite:///{tmp_path / 'studio.sqlite3'}"),
    )  # fmt: skip
    env.update(overrides)
    return env
