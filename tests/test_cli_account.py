"""Credentials commands, the server commands and the embedded default backend."""

from __future__ import annotations

import json
import re
import stat

from cli_support import JOB_ID, cli_env, run_cli, small_trainer, write_trainer
from conftest import free_port


def test_login_anonymous_whoami_logout(backend, tmp_path):
    env = cli_env(tmp_path / "home", backend.url)
    login = run_cli(["login", "--anonymous"], tmp_path, env)
    assert login.returncode == 0, login.stderr
    credentials_file = tmp_path / "home/.arkor/credentials.json"
    credentials = json.loads(credentials_file.read_text())
    assert credentials["mode"] == "anon"
    assert credentials["arkorCloudApiUrl"] == backend.url
    assert stat.S_IMODE(credentials_file.stat().st_mode) == 0o600
    who = run_cli(["whoami"], tmp_path, env)
    assert who.returncode == 0, who.stderr
    assert re.search(r"mode\s+anon", who.stdout)
    assert credentials["orgSlug"] in who.stdout
    refused = run_cli(["logout"], tmp_path, env)
    assert refused.returncode == 2
    assert "--force" in refused.stderr
    assert credentials_file.exists()
    out = run_cli(["logout", "--force"], tmp_path, env)
    assert out.returncode == 0 and "logged out" in out.stdout
    assert not credentials_file.exists()
    nobody = run_cli(["whoami"], tmp_path, env)
    assert nobody.returncode == 2
    assert "not logged in" in nobody.stderr


def test_login_without_oauth_on_the_backend_points_to_anonymous(backend, tmp_path):
    env = cli_env(tmp_path / "home", backend.url)
    result = run_cli(["login", "--no-browser"], tmp_path, env)
    assert result.returncode == 2
    assert "does not offer account login" in result.stderr
    assert "arkor login --anonymous" in result.stderr


def test_an_unreachable_backend_is_one_clear_line(tmp_path):
    env = cli_env(tmp_path / "home", f"http://127.0.0.1:{free_port()}")
    write_trainer(tmp_path / "p", small_trainer())
    result = run_cli(["start"], tmp_path / "p", env)
    assert result.returncode == 5
    assert "could not reach the arkor backend" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_empty_backend_url_variable_is_an_error_not_a_fallback(tmp_path):
    env = cli_env(tmp_path / "home", "")
    write_trainer(tmp_path / "p", small_trainer())
    result = run_cli(["start"], tmp_path / "p", env)
    assert result.returncode == 2
    assert "ARKOR_CLOUD_API_URL is set but empty" in result.stderr


def test_embedded_backend_starts_on_demand_trains_and_stops(tmp_path):
    """No URL and no credentials: the SDK starts `arkor server` itself and trains there."""
    port = free_port()
    data_dir = tmp_path / "server-data"
    env = cli_env(
        tmp_path / "home", None, ARKOR_LOCAL_PORT=str(port), ARKOR_SERVER_DATA_DIR=str(data_dir)
    )
    write_trainer(tmp_path / "p", small_trainer(max_steps=3, save_steps=3))
    try:
        down = run_cli(["server", "status"], tmp_path, env)
        assert down.returncode == 1
        assert f"no backend answers at http://127.0.0.1:{port}" in down.stdout
        result = run_cli(["start"], tmp_path / "p", env, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
        assert JOB_ID.search(result.stdout)
        credentials = json.loads((tmp_path / "home/.arkor/credentials.json").read_text())
        assert credentials["arkorCloudApiUrl"] == f"http://127.0.0.1:{port}"
        assert (data_dir / "server.log").is_file() and (data_dir / "arkor.db").is_file()
        up = run_cli(["server", "status"], tmp_path, env)
        assert up.returncode == 0, up.stdout
        assert "arkor/tiny" in up.stdout and str(data_dir) in up.stdout
    finally:
        stopped = run_cli(["server", "stop"], tmp_path, env)
    assert stopped.returncode == 0 and "stopped the backend" in stopped.stdout
    assert run_cli(["server", "status"], tmp_path, env).returncode == 1
