"""Account login (``arkor login``): authorization code + PKCE against a loopback auth server."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import stat
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from cli_support import CliProcess, cli_env, eventually
from conftest import free_port
from scripted_backend import ScriptedBackend

from arkor import ArkorError, ConfigError
from arkor.credentials import read_credentials
from arkor.oauth import issuer_url, login_with_browser


class AuthServer:
    """A tiny authorization server: /authorize redirects back, /oauth/token issues tokens."""

    def __init__(self) -> None:
        self.authorize_queries: list[dict[str, str]] = []
        self.token_forms: list[dict[str, str]] = []
        self.redirect_extra: dict[str, str] = {"code": "code-123"}
        self.tamper_state = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parsed = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query))
                server.authorize_queries.append(query)
                back = {**server.redirect_extra,
                        "state": "forged" if server.tamper_state else query["state"]}
                self.send_response(302)
                location = f"{query['redirect_uri']}?{urllib.parse.urlencode(back)}"
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                server.token_forms.append(form)
                body = json.dumps({"access_token": "access-xyz", "refresh_token": "refresh-xyz",
                                   "expires_in": 3600}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def auth() -> Iterator[AuthServer]:
    server = AuthServer()
    yield server
    server.close()


@pytest.fixture
def backend_offering_login(auth, tmp_path, monkeypatch) -> Iterator[ScriptedBackend]:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with ScriptedBackend() as backend:
        backend.respond("GET", "/v1/auth/cli/config", 200, {
            "auth0Domain": auth.url, "clientId": "client-1", "audience": "https://api.test",
            "callbackPorts": [free_port()],
        }, times=5)
        yield backend


def browser(url: str) -> None:
    """What the user's browser does: follow the sign-in URL back to the CLI's callback."""
    threading.Thread(target=requests.get, args=(url,), kwargs={"timeout": 10}, daemon=True).start()


def test_login_exchanges_the_code_with_pkce_and_stores_oauth_credentials(
    auth, backend_offering_login, tmp_path
):
    credentials = login_with_browser(backend_offering_login.url, browser, timeout=20)
    query = auth.authorize_queries[0]
    assert query["client_id"] == "client-1" and query["audience"] == "https://api.test"
    assert query["code_challenge_method"] == "S256"
    form = auth.token_forms[0]
    assert form["grant_type"] == "authorization_code" and form["code"] == "code-123"
    digest = hashlib.sha256(form["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"]
    assert form["redirect_uri"] == query["redirect_uri"]
    stored = read_credentials()
    assert stored == credentials and stored.mode == "oauth"
    assert stored.access_token == "access-xyz" and stored.refresh_token == "refresh-xyz"
    assert abs(stored.expires_at - (time.time() + 3600)) < 60
    assert stored.arkor_cloud_api_url == backend_offering_login.url
    path = Path(tmp_path / "home/.arkor/credentials.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_callback_with_the_wrong_state_is_refused(auth, backend_offering_login):
    auth.tamper_state = True
    with pytest.raises(ArkorError, match="wrong state"):
        login_with_browser(backend_offering_login.url, browser, timeout=20)
    assert auth.token_forms == []
    assert read_credentials() is None


def test_a_refused_sign_in_says_why(auth, backend_offering_login):
    auth.redirect_extra = {"error": "access_denied", "error_description": "user said no"}
    with pytest.raises(ArkorError, match="login was refused: user said no"):
        login_with_browser(backend_offering_login.url, browser, timeout=20)


def test_a_backend_without_oauth_says_to_use_anonymous(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    with ScriptedBackend() as backend:
        backend.respond("GET", "/v1/auth/cli/config", 200, {
            "auth0Domain": None, "clientId": None, "audience": None, "callbackPorts": None})
        with pytest.raises(ConfigError, match="arkor login --anonymous"):
            login_with_browser(backend.url, browser, timeout=5)


def test_the_authorization_server_must_use_https_unless_loopback():
    assert issuer_url("tenant.auth0.com") == "https://tenant.auth0.com"
    assert issuer_url("http://127.0.0.1:9999/") == "http://127.0.0.1:9999"
    with pytest.raises(ConfigError, match="must use https"):
        issuer_url("http://evil.example.com")


def test_arkor_login_prints_the_url_and_completes_when_the_browser_returns(auth, tmp_path):
    with ScriptedBackend() as backend:
        backend.respond("GET", "/v1/auth/cli/config", 200, {
            "auth0Domain": auth.url, "clientId": "client-1", "audience": None,
            "callbackPorts": [free_port()],
        })
        env = cli_env(tmp_path / "home", backend.url)
        run = CliProcess(["login", "--no-browser"], tmp_path, env)
        try:
            url = run.wait_for(r"^(http://127\.0\.0\.1:\d+/authorize\?\S+)$").group(1)
            browser(url)
            assert run.wait(30) == 0, run.output()
        finally:
            run.close()
    assert re.search(r"logged in at http://127\.0\.0\.1:\d+", run.output())
    eventually(lambda: (tmp_path / "home/.arkor/credentials.json").is_file())
    stored = json.loads((tmp_path / "home/.arkor/credentials.json").read_text())
    assert stored["mode"] == "oauth" and stored["accessToken"] == "access-xyz"
