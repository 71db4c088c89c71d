"""Account login: the OAuth 2.0 authorization-code flow with PKCE and a loopback callback.

The backend says whether it offers account login (``GET /v1/auth/cli/config``:
``auth0Domain``, ``clientId``, ``audience``, ``callbackPorts``; all null when
not). The user's browser signs in at the authorization server and is sent
back to ``http://127.0.0.1:<port>/callback``; the code is exchanged for
tokens, which are stored as OAuth credentials.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import requests

from arkor.client import CloudClient
from arkor.credentials import OAuthCredentials, write_credentials
from arkor.errors import ArkorError, ConfigError

LOGIN_TIMEOUT_S = 300.0
_LOOPBACK_PREFIXES = ("http://127.0.0.1", "http://localhost", "http://[::1]")


def issuer_url(domain: str) -> str:
    """The authorization server's base URL (https; plain http only for loopback)."""
    domain = domain.rstrip("/")
    if domain.startswith("https://"):
        return domain
    if domain.startswith(_LOOPBACK_PREFIXES):
        return domain
    if domain.startswith("http://"):
        raise ConfigError(f"the login server must use https (got {domain})")
    return f"https://{domain}"


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


class _CallbackServer(HTTPServer):
    result: dict[str, str]
    done: threading.Event


class _CallbackHandler(BaseHTTPRequestHandler):
    server: _CallbackServer

    def do_GET(self) -> None:
        parsed = urllib.parse.urlparse(self.path)
        if parsed.path != "/callback":
            self.send_error(404)
            return
        self.server.result = dict(urllib.parse.parse_qsl(parsed.query))
        ok = "code" in self.server.result
        body = (
            "Signed in to arkor. You can close this tab."
            if ok
            else "Sign-in failed; see the terminal."
        ).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.done.set()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default request log."""


def _bind_callback(ports: list[int]) -> _CallbackServer:
    for port in ports or [0]:
        try:
            server = _CallbackServer(("127.0.0.1", port), _CallbackHandler)
        except OSError:
            continue
        server.result = {}
        server.done = threading.Event()
        return server
    raise ArkorError(
        f"cannot listen for the login callback: ports {', '.join(map(str, ports))} are all busy"
    )


def login_with_browser(
    base_url: str,
    show_url: Callable[[str], None],
    *,
    timeout: float = LOGIN_TIMEOUT_S,
) -> OAuthCredentials:
    """Run the browser login against ``base_url``'s authorization server; store the tokens."""
    config = CloudClient(base_url).cli_config()
    domain, client_id = config.get("auth0Domain"), config.get("clientId")
    if not domain or not client_id:
        raise ConfigError(
            f"the backend at {base_url} does not offer account login; "
            "use `arkor login --anonymous`"
        )
    issuer = issuer_url(domain)
    verifier, challenge = _pkce_pair()
    state = secrets.token_urlsafe(16)
    server = _bind_callback([int(p) for p in config.get("callbackPorts") or []])
    redirect_uri = f"http://127.0.0.1:{server.server_address[1]}/callback"
    query = {
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
        "scope": "openid profile email offline_access", "code_challenge": challenge,
        "code_challenge_method": "S256", "state": state,
    }
    if config.get("audience"):
        query["audience"] = config["audience"]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        show_url(f"{issuer}/authorize?{urllib.parse.urlencode(query)}")
        if not server.done.wait(timeout):
            raise ArkorError(f"no login completed within {timeout:.0f} s; run `arkor login` again")
    finally:
        server.shutdown()
        server.server_close()
    result = server.result
    if result.get("state") != state:
        raise ArkorError("the login callback carried the wrong state; run `arkor login` again")
    if "code" not in result:
        reason = result.get("error_description") or result.get("error") or "no code"
        raise ArkorError(f"login was refused: {reason}")
    response = requests.post(
        f"{issuer}/oauth/token",
        data={
            "grant_type": "authorization_code", "client_id": client_id,
            "code_verifier": verifier, "code": result["code"], "redirect_uri": redirect_uri,
        },
        timeout=30,
    )
    if response.status_code >= 400:
        raise ArkorError(f"exchanging the login code failed (HTTP {response.status_code})")
    tokens = response.json()
    credentials = OAuthCredentials(
        access_token=tokens["access_token"],
        refresh_token=tokens.get("refresh_token"),
        expires_at=time.time() + float(tokens.get("expires_in", 3600)),
        auth0_domain=domain,
        audience=config.get("audience"),
        client_id=client_id,
        arkor_cloud_api_url=base_url,
    )
    write_credentials(credentials)
    return credentials
