"""Who the SDK talks to, as whom, in which project (protocol §1-§2, issue 2
"Lifecycle semantics"): the backend URL, anonymous bootstrap, the credentials
file, ``.arkor/state.json`` and the two state/credential errors. Every test
runs in a temp ``HOME`` against the scripted backend.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from arkor import CloudApiError, ConfigError
from arkor.credentials import project_slug_for

pytest_plugins = ["scripted_backend"]  # fixtures: scripted, sdk_env


def write_json(path: Path, payload: dict) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload))
    return path.read_bytes()


def write_anon_credentials(sdk_env, org: str = "org-a", url: str | None = None) -> None:
    write_json(sdk_env.credentials_path, {
        "mode": "anon", "token": "tok-saved", "anonymousId": "anon-saved",
        "arkorCloudApiUrl": url or sdk_env.backend.url, "orgSlug": org,
    })


def write_oauth_credentials(sdk_env, **fields) -> None:
    write_json(sdk_env.credentials_path, {
        "mode": "oauth", "accessToken": "access-1", "refreshToken": "refresh-1",
        "expiresAt": 4102444800, "arkorCloudApiUrl": sdk_env.backend.url, **fields,
    })


# --- anonymous bootstrap ---------------------------------------------------------------


def test_start_without_credentials_mints_an_anonymous_identity_stored_with_mode_0600(
    scripted, sdk_env
):
    sdk_env.trainer().start()
    assert len(scripted.calls("POST", "/v1/auth/anonymous")) == 1
    path = sdk_env.credentials_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {
        "mode": "anon", "token": "tok-1", "anonymousId": "anon-1",
        "arkorCloudApiUrl": scripted.url, "orgSlug": "anon-org-1",
    }
    # Written atomically: no temp file is left beside it.
    assert sorted(p.name for p in path.parent.iterdir()) == ["credentials.json"]


def test_start_creates_the_project_and_writes_state_json(scripted, sdk_env):
    sdk_env.trainer().start()
    (created,) = scripted.calls("POST", "/v1/projects")
    assert created.query == {"orgSlug": "anon-org-1"}
    assert created.json() == {"name": "my-project", "slug": "my-project"}
    project_id = scripted.projects["anon-org-1"][0]["id"]
    assert json.loads(sdk_env.state_path.read_text()) == {
        "orgSlug": "anon-org-1", "projectSlug": "my-project", "projectId": project_id,
    }
    (job,) = scripted.calls("POST", "/v1/jobs")
    assert job.query == {"orgSlug": "anon-org-1", "projectSlug": "my-project"}


def test_stored_credentials_and_state_are_reused(scripted, sdk_env):
    sdk_env.trainer().start()
    sdk_env.trainer().start()
    assert len(scripted.calls("POST", "/v1/auth/anonymous")) == 1
    assert len(scripted.calls("POST", "/v1/projects")) == 1
    assert len(scripted.calls("POST", "/v1/jobs")) == 2


def test_an_existing_project_slug_409_is_looked_up_and_reused(scripted, sdk_env):
    write_anon_credentials(sdk_env, org="org-a")
    scripted.projects["org-a"] = [
        {"id": "proj-existing", "slug": "my-project", "name": "my-project", "orgId": "org-a"}]
    sdk_env.trainer().start()
    assert len(scripted.calls("POST", "/v1/projects")) == 1  # answered 409
    assert len(scripted.calls("GET", "/v1/projects")) == 1
    assert json.loads(sdk_env.state_path.read_text()) == {
        "orgSlug": "org-a", "projectSlug": "my-project", "projectId": "proj-existing",
    }
    (job,) = scripted.calls("POST", "/v1/jobs")
    assert job.headers["Authorization"] == "Bearer tok-saved"


def test_a_409_for_a_project_that_cannot_be_found_is_raised(scripted, sdk_env):
    write_anon_credentials(sdk_env)
    scripted.respond("POST", "/v1/projects", 409, {"error": "slug taken"})
    with pytest.raises(CloudApiError) as caught:
        sdk_env.trainer().start()
    assert caught.value.status == 409
    assert not sdk_env.state_path.exists()


@pytest.mark.parametrize(
    ("folder", "slug"),
    [
        ("my-project", "my-project"),
        ("My Fancy_Project!!", "my-fancy-project"),
        ("x" * 60, "x" * 40),
        ("a" * 39 + " b", "a" * 39 + "-"),  # trimmed first, then cut: as the hosted SDK does
        ("___", "project"),
        ("Ünïcode Dir", "n-code-dir"),
    ],
)
def test_the_anonymous_project_slug_is_derived_from_the_folder_name(tmp_path, folder, slug):
    directory = tmp_path / folder
    directory.mkdir()
    assert project_slug_for(directory) == slug


# --- the two state/credential errors ---------------------------------------------------


def test_anonymous_credentials_of_another_org_than_state_json_are_refused_untouched(
    scripted, sdk_env
):
    write_anon_credentials(sdk_env, org="org-a")
    before = write_json(sdk_env.state_path, {
        "orgSlug": "org-b", "projectSlug": "shared", "projectId": "proj-b"})
    with pytest.raises(ConfigError) as caught:
        sdk_env.trainer().start()
    message = str(caught.value)
    assert str(sdk_env.state_path) in message
    assert "org-a" in message and "org-b" in message
    assert "Delete" in message and "arkor login" in message
    assert sdk_env.state_path.read_bytes() == before
    assert scripted.calls("POST", "/v1/jobs") == []
    assert scripted.calls("POST", "/v1/auth/anonymous") == []


def test_oauth_credentials_without_state_json_are_refused_with_how_to_create_it(
    scripted, sdk_env
):
    write_oauth_credentials(sdk_env)
    with pytest.raises(ConfigError) as caught:
        sdk_env.trainer().start()
    message = str(caught.value)
    assert str(sdk_env.state_path) in message
    assert "orgSlug" in message and "projectSlug" in message and "projectId" in message
    assert not sdk_env.state_path.exists()
    assert scripted.requests == []


def test_oauth_credentials_with_state_json_use_the_access_token_and_its_scope(
    scripted, sdk_env
):
    write_oauth_credentials(sdk_env)
    write_json(sdk_env.state_path, {
        "orgSlug": "acme", "projectSlug": "bots", "projectId": "proj-acme"})
    sdk_env.trainer().start()
    (job,) = scripted.calls("POST", "/v1/jobs")
    assert job.headers["Authorization"] == "Bearer access-1"
    assert job.query == {"orgSlug": "acme", "projectSlug": "bots"}
    assert scripted.calls("POST", "/v1/auth/anonymous") == []


def test_expired_oauth_credentials_ask_to_log_in_again(scripted, sdk_env):
    write_oauth_credentials(sdk_env, expiresAt=1000)
    with pytest.raises(ConfigError, match="arkor login"):
        sdk_env.trainer().start()
    assert scripted.requests == []


@pytest.mark.parametrize(
    "content", ["{not json", '{"mode": "magic"}', '{"mode": "anon", "token": "t"}'])
def test_unusable_credentials_files_are_refused_naming_the_file(scripted, sdk_env, content):
    sdk_env.credentials_path.parent.mkdir(parents=True)
    sdk_env.credentials_path.write_text(content)
    with pytest.raises(ConfigError) as caught:
        sdk_env.trainer().start()
    assert str(sdk_env.credentials_path) in str(caught.value)
    assert sdk_env.credentials_path.read_text() == content


def test_an_unusable_state_json_is_refused_naming_the_file(scripted, sdk_env):
    write_anon_credentials(sdk_env)
    write_json(sdk_env.state_path, {"orgSlug": "org-a"})
    with pytest.raises(ConfigError) as caught:
        sdk_env.trainer().start()
    assert str(sdk_env.state_path) in str(caught.value)


# --- the backend URL ---------------------------------------------------------------------


def test_a_defined_but_empty_backend_url_is_an_error(scripted, sdk_env, monkeypatch):
    monkeypatch.setenv("ARKOR_CLOUD_API_URL", "")
    trainer = sdk_env.trainer()  # construction never resolves the backend
    with pytest.raises(ConfigError, match="ARKOR_CLOUD_API_URL"):
        trainer.start()
    assert scripted.requests == []


def test_a_trailing_slash_in_the_backend_url_is_stripped(scripted, sdk_env, monkeypatch):
    monkeypatch.setenv("ARKOR_CLOUD_API_URL", scripted.url + "/")
    sdk_env.trainer().start()
    assert [r.path for r in scripted.requests] == [
        "/v1/auth/anonymous", "/v1/projects", "/v1/jobs"]


def test_without_the_env_var_the_url_stored_in_the_credentials_is_used(
    scripted, sdk_env, monkeypatch
):
    monkeypatch.delenv("ARKOR_CLOUD_API_URL")
    write_anon_credentials(sdk_env, org="org-a", url=scripted.url)
    sdk_env.trainer().start()
    (job,) = scripted.calls("POST", "/v1/jobs")
    assert job.headers["Authorization"] == "Bearer tok-saved"


def test_anonymous_credentials_of_another_backend_are_replaced_for_this_one(scripted, sdk_env):
    write_anon_credentials(sdk_env, org="org-elsewhere", url="http://127.0.0.1:9")
    sdk_env.trainer().start()
    assert len(scripted.calls("POST", "/v1/auth/anonymous")) == 1
    stored = json.loads(sdk_env.credentials_path.read_text())
    assert stored["arkorCloudApiUrl"] == scripted.url
    assert stored["orgSlug"] == "anon-org-1"
