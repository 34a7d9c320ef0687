"""`manage.py check --deploy` is clean with the production environment the README documents (that very block),
and names what is missing when a production switch is left off."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def documented_production_env() -> dict[str, str]:
    """The README's production block, its <placeholders> filled in as an operator would."""
    readme = (ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL) if "SECURE_HSTS_SECONDS=" in b]
    assert len(blocks) == 1, "README should hold exactly one production environment block"
    env = {}
    for line in blocks[0].splitlines():
        match = re.fullmatch(r"\s*([A-Z][A-Z0-9_]*)=(.*)", line)
        if match:
            name, value = match.groups()
            filler = secrets.token_urlsafe(50) if name == "SECRET_KEY" else "placeholder"
            env[name] = re.sub(r"<[^<>]*>", filler, value)
    return env


def _check_deploy(tmp_path, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DATA_DIR": str(tmp_path / "data")}, **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_readme_block_is_a_real_production_setup():
    env = documented_production_env()
    assert env["DEBUG"] == "false" and env["SITE_URL"].startswith("https://")
    assert env["SECURE_SSL_REDIRECT"] == "true" and int(env["SECURE_HSTS_SECONDS"]) >= 31536000
    assert env["EMAIL_HOST"] and len(env["SECRET_KEY"]) >= 50


def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path):
    run = _check_deploy(tmp_path, documented_production_env())

    assert run.returncode == 0, run.stdout + run.stderr
    assert "System check identified no issues (0 silenced)." in run.stdout, run.stdout + run.stderr
    assert "WARNING" not in run.stderr, run.stderr


def test_check_deploy_names_each_production_switch_left_off(tmp_path):
    env = documented_production_env()
    for name in ("EMAIL_HOST", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT"):
        del env[name]

    run = _check_deploy(tmp_path, env)

    assert run.returncode != 0
    report = run.stderr
    assert "(studio.W001)" in report and "password-reset links there are working tokens" in report
    assert "(security.W004)" in report  # HSTS
    assert "(security.W008)" in report  # SSL redirect


def test_check_deploy_names_a_generated_secret_key(tmp_path):
    """Secrets come from the environment or <NAME>_FILE: a key the studio generated for itself differs per machine."""
    env = documented_production_env()
    del env["SECRET_KEY"]

    run = _check_deploy(tmp_path, env)

    assert run.returncode != 0
    assert "(studio.W002) SECRET_KEY is not set" in run.stderr and "SECRET_KEY_FILE" in run.stderr, run.stderr
    assert "(security.W009)" not in run.stderr  # the generated key itself is a strong one


def test_check_deploy_is_clean_with_the_deploy_folders_environment(tmp_path):
    """deploy/studio.env.example (what the systemd units read), with its secrets in files as documented there."""
    from tests.deploy.startup import production_env

    env = production_env(tmp_path)
    assert env["S3_BUCKET"] and env["REDIS_URL"] and env["EMAIL_HOST_PASSWORD_FILE"] and env["SECRET_KEY_FILE"]
    assert not any(name in env for name in ("SECRET_KEY", "DATABASE_URL", "S3_SECRET_ACCESS_KEY", "EMAIL_HOST_PASSWORD"))

    run = _check_deploy(tmp_path, {k: v for k, v in env.items() if k not in ("PATH", "HOME", "LANG", "DATA_DIR")})

    assert run.returncode == 0, run.stdout + run.stderr
    assert "System check identified no issues (0 silenced)." in run.stdout, run.stdout + run.stderr
    assert "WARNING" not in run.stderr, run.stderr


def test_check_deploy_with_secret_files_names_a_world_readable_one(tmp_path):
    from tests.deploy.startup import production_env

    env = production_env(tmp_path)
    os.chmod(env["SECRET_KEY_FILE"], 0o644)

    run = _check_deploy(tmp_path, {k: v for k, v in env.items() if k not in ("PATH", "HOME", "LANG", "DATA_DIR")})

    assert run.returncode != 0 and "SECRET_KEY_FILE names" in run.stderr and "every user" in run.stderr
