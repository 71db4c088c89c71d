"""The HTTP client (protocol §1, §8): headers on every request, typed errors from
error bodies, the 426 upgrade hint, recorded deprecation notices, transport
failures. Real HTTP against the scripted backend.
"""

from __future__ import annotations

import socket

import pytest

import arkor.client
from arkor import ArkorError, BackendUnreachableError, CloudApiError, UpgradeRequiredError
from arkor._version import __version__
from arkor.client import CloudClient, Scope

pytest_plugins = ["scripted_backend"]  # fixtures: scripted, sdk_env


@pytest.fixture
def notices(monkeypatch):
    """A fresh ``arkor.client.deprecation_notices`` for the test."""
    fresh: list[str] = []
    monkeypatch.setattr(arkor.client, "deprecation_notices", fresh)
    return fresh


def test_every_request_names_the_client_and_carries_the_bearer_token(scripted):
    client = CloudClient(scripted.url, "tok-xyz")
    client.list_projects("acme")
    (request,) = scripted.requests
    assert request.headers["X-Arkor-Client"] == f"arkor-python/{__version__}"
    assert request.headers["Authorization"] == "Bearer tok-xyz"
    assert request.query == {"orgSlug": "acme"}


def test_requests_without_a_token_send_no_authorization(scripted):
    CloudClient(scripted.url).create_anonymous()
    (request,) = scripted.requests
    assert "Authorization" not in request.headers
    assert request.json() == {"kind": "cli"}


def test_scope_query_parameters_are_url_encoded(scripted):
    client = CloudClient(scripted.url, "tok")
    client.list_jobs(Scope("org with space", "proj&x=1/é"))
    (request,) = scripted.requests
    assert request.query == {"orgSlug": "org with space", "projectSlug": "proj&x=1/é"}


def test_a_json_error_body_becomes_cloud_api_error_with_status_and_message(scripted):
    scripted.respond("GET", "/v1/projects", 403, {"error": "not a member of acme", "code": "x"})
    with pytest.raises(CloudApiError) as caught:
        CloudClient(scripted.url, "tok").list_projects("acme")
    error = caught.value
    assert isinstance(error, ArkorError)
    assert (error.status, error.message) == (403, "not a member of acme")
    assert error.body == {"error": "not a member of acme", "code": "x"}
    assert "not a member of acme" in str(error) and "403" in str(error)


def test_a_non_json_error_body_becomes_the_message(scripted):
    scripted.respond("GET", "/v1/projects", 502, "Bad gateway (proxy)")
    with pytest.raises(CloudApiError) as caught:
        CloudClient(scripted.url, "tok").list_projects("acme")
    assert (caught.value.status, caught.value.message) == (502, "Bad gateway (proxy)")


def test_a_json_error_body_without_an_error_field_becomes_the_body_text(scripted):
    scripted.respond("GET", "/v1/projects", 500, {"detail": "database down"})
    with pytest.raises(CloudApiError) as caught:
        CloudClient(scripted.url, "tok").list_projects("acme")
    assert caught.value.message == '{"detail": "database down"}'


def test_an_empty_error_body_becomes_cloud_api_status(scripted):
    scripted.respond("GET", "/v1/projects", 500, b"")
    with pytest.raises(CloudApiError) as caught:
        CloudClient(scripted.url, "tok").list_projects("acme")
    assert (caught.value.status, caught.value.message) == (500, "cloud-api 500")


def test_426_becomes_an_upgrade_hint(scripted):
    body = {"error": "sdk_version_unsupported", "currentVersion": __version__,
            "supportedRange": ">=2.0.0", "upgrade": "pip install -U 'arkor>=2'"}
    scripted.respond("GET", "/v1/projects", 426, body)
    with pytest.raises(UpgradeRequiredError) as caught:
        CloudClient(scripted.url, "tok").list_projects("acme")
    error = caught.value
    assert isinstance(error, CloudApiError) and error.status == 426
    assert ">=2.0.0" in error.message
    assert "pip install -U 'arkor>=2'" in error.message
    assert __version__ in error.message
    assert error.body == body


def test_426_without_a_json_body_still_says_how_to_upgrade(scripted):
    scripted.respond("GET", "/v1/projects", 426, "Upgrade Required")
    with pytest.raises(UpgradeRequiredError, match="pip install -U arkor"):
        CloudClient(scripted.url, "tok").list_projects("acme")


def test_a_failed_job_submission_raises_the_backends_message(scripted, sdk_env):
    scripted.respond("POST", "/v1/jobs", 400,
                     {"error": "config.loraR must be a positive integer (got 0)"})
    with pytest.raises(CloudApiError) as caught:
        sdk_env.trainer().start()
    assert caught.value.status == 400
    assert caught.value.message == "config.loraR must be a positive integer (got 0)"


def test_a_deprecation_header_is_recorded_once_with_its_warning_and_sunset(scripted, notices):
    headers = {"Deprecation": "true", "Sunset": "Wed, 01 Jul 2026 00:00:00 GMT",
               "Warning": '299 - "arkor-python 0.x is deprecated; upgrade to 1.x"'}
    scripted.respond("GET", "/v1/projects", 200, {"projects": []}, headers, times=3)
    client = CloudClient(scripted.url, "tok")
    for _ in range(3):
        client.list_projects("acme")
    assert notices == [
        "arkor-python 0.x is deprecated; upgrade to 1.x (sunset: Wed, 01 Jul 2026 00:00:00 GMT)"
    ]


def test_a_deprecation_header_without_warning_records_a_generic_notice(scripted, notices):
    scripted.respond("GET", "/v1/projects", 200, {"projects": []}, {"Deprecation": "true"})
    CloudClient(scripted.url, "tok").list_projects("acme")
    assert len(notices) == 1 and "deprecated" in notices[0]


def test_a_deprecation_header_on_an_error_response_is_recorded_too(scripted, notices):
    scripted.respond("GET", "/v1/projects", 404, {"error": "gone"},
                     {"Deprecation": "true", "Warning": '299 - "old client"'})
    with pytest.raises(CloudApiError):
        CloudClient(scripted.url, "tok").list_projects("acme")
    assert notices == ["old client"]


def test_responses_without_deprecation_record_nothing(scripted, notices):
    CloudClient(scripted.url, "tok").list_projects("acme")
    assert notices == []


def test_a_backend_that_cannot_be_reached_raises_backend_unreachable(scripted):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket is closed
    with pytest.raises(BackendUnreachableError) as caught:
        CloudClient(f"http://127.0.0.1:{port}", "tok").list_projects("acme")
    assert isinstance(caught.value, ArkorError)
    assert f"127.0.0.1:{port}" in str(caught.value)
