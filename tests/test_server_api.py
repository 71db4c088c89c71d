"""The backend's HTTP surface without training: identity, projects, scoping, bad input (§2-§8)."""

from __future__ import annotations

import json

import requests
from conftest import ApiUser, BackendProcess, chat_rows

GOOD_ROW = chat_rows(1)[0]


def tiny_config(dataset: dict, **extra) -> dict:
    return {"model": "arkor/tiny", "datasetSource": dataset, **extra}


# --- health and identity -----------------------------------------------------------------


def test_health_needs_no_auth_and_lists_models_and_capabilities(backend: BackendProcess):
    body = backend.get("/v1/health").json()
    assert body["status"] == "ok"
    assert "arkor/tiny" in body["models"]
    assert {"upload", "training.cancelled", "chat.completions", "artifacts"} <= set(
        body["capabilities"]
    )
    assert body["version"]


def test_cli_auth_config_offers_no_oauth(backend: BackendProcess):
    body = backend.get("/v1/auth/cli/config").json()
    assert body == {"auth0Domain": None, "clientId": None, "audience": None, "callbackPorts": None}


def test_anonymous_auth_mints_a_new_identity_with_a_personal_org_each_time(backend):
    first = backend.post("/v1/auth/anonymous", json={"kind": "cli"}).json()
    second = backend.post("/v1/auth/anonymous", json={"kind": "web"}).json()
    assert first["token"] != second["token"]
    assert first["anonymousId"] != second["anonymousId"]
    assert first["personalOrg"]["slug"] != second["personalOrg"]["slug"]
    assert second["kind"] == "web"
    me = backend.get("/v1/me", headers={"Authorization": f"Bearer {first['token']}"}).json()
    assert me["user"]["anonymousId"] == first["anonymousId"]
    assert [org["slug"] for org in me["orgs"]] == [first["personalOrg"]["slug"]]


def test_tokens_are_stored_only_as_hashes(backend: BackendProcess, user: ApiUser):
    database = (backend.data_dir / "arkor.db").read_bytes()
    database += (backend.data_dir / "arkor.db-wal").read_bytes()
    assert user.token.encode() not in database


def test_missing_or_unknown_token_is_401(backend: BackendProcess):
    assert backend.get("/v1/me").status_code == 401
    unknown = backend.get("/v1/me", headers={"Authorization": "Bearer nope"})
    assert unknown.status_code == 401
    assert "invalid token" in unknown.json()["error"]


def test_any_client_header_is_accepted(user: ApiUser):
    for client in ("arkor-python/0.0.1", "something-else/9", ""):
        assert user.get("/v1/me", headers={"X-Arkor-Client": client}).status_code == 200


# --- projects ----------------------------------------------------------------------------


def test_creating_an_existing_project_is_409_and_listing_shows_it_once(user: ApiUser):
    again = user.post("/v1/projects", json={"slug": "demo", "name": "demo"})
    assert again.status_code == 409
    assert "already exists" in again.json()["error"]
    created = user.post("/v1/projects", json={"slug": "other", "name": "Other"})
    assert created.status_code == 201
    assert created.json()["project"]["slug"] == "other"
    listed = user.get("/v1/projects").json()
    assert [p["slug"] for p in listed["projects"]] == ["demo", "other"]
    assert listed["org"]["slug"] == user.org_slug


def test_bad_project_slug_is_400_naming_the_field(user: ApiUser):
    response = user.post("/v1/projects", json={"slug": "Bad Slug!"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("slug must be")


# --- scoping -----------------------------------------------------------------------------


def test_another_identitys_org_project_job_and_dataset_are_not_found(backend: BackendProcess):
    alice, bob = backend.new_user(), backend.new_user()
    dataset = alice.upload(chat_rows(4))
    job = alice.create_job(tiny_config(dataset, maxSteps=1, dryRun=True))
    alice.post(f"/v1/jobs/{job['id']}/cancel")

    # Bob naming Alice's org: not found (never forbidden).
    response = bob.get("/v1/jobs", params={"orgSlug": alice.org_slug})
    assert response.status_code == 404
    # Bob in his own scope asking for Alice's job, events, artifacts: not found.
    for path in (f"/v1/jobs/{job['id']}", f"/v1/jobs/{job['id']}/events/stream",
                 f"/v1/jobs/{job['id']}/artifacts"):
        assert bob.get(path).status_code == 404, path
    assert bob.post(f"/v1/jobs/{job['id']}/cancel").status_code == 404
    # Bob training on Alice's upload: refused, naming the field.
    refused = bob.post("/v1/jobs", json={"name": "x", "config": tiny_config(dataset)})
    assert refused.status_code == 400
    assert refused.json()["error"].startswith("config.datasetSource.id")
    assert bob.get("/v1/jobs").json()["jobs"] == []


def test_unknown_project_is_404(user: ApiUser):
    response = user.get("/v1/jobs", params={"projectSlug": "nope"})
    assert response.status_code == 404
    assert "nope" in response.json()["error"]


def test_scoped_routes_need_the_scope_query(user: ApiUser):
    response = requests.get(f"{user.backend.url}/v1/jobs", headers=user.headers, timeout=10)
    assert response.status_code == 400
    assert "orgSlug" in response.json()["error"]


# --- bad job input -----------------------------------------------------------------------


def test_bad_job_bodies_are_400_naming_the_field(user: ApiUser):
    dataset = user.upload([GOOD_ROW])
    cases = {
        "config.loraR must be a positive integer (got -1)": tiny_config(dataset, loraR=-1),
        "config.learningRate must be a positive number": tiny_config(dataset, learningRate=0),
        "config.dryRun must be true or false": tiny_config(dataset, dryRun="yes"),
        "config.optim must be one of": tiny_config(dataset, optim="adamq"),
        "config.lrSchedulerType must be one of": tiny_config(dataset, lrSchedulerType="zigzag"),
        "config.datasetSource.type must be one of": tiny_config({"type": "ftp"}),
        "config.datasetSource.id: no uploaded dataset": tiny_config(
            {"type": "upload", "id": "ds_nope"}),
        "config.datasetSource.url must be https": tiny_config(
            {"type": "blob", "url": "http://example.com/x.jsonl"}),
        "config.model must be": tiny_config(dataset, model="not a model"),
        "config.model: no model directory": tiny_config(dataset, model="/no/such/dir"),
        "config.datasetFormat.type must be one of": tiny_config(
            dataset, datasetFormat={"type": "csv"}),
        "config.datasetFormat: dataset": tiny_config(
            dataset, datasetFormat={"type": "prompt_completion"}),
        "config.loadIn4bit needs a CUDA GPU": tiny_config(dataset, loadIn4bit=True),
        "config.model is required": {"datasetSource": dataset},
    }
    for expected, config in cases.items():
        response = user.post("/v1/jobs", json={"name": "bad", "config": config})
        assert response.status_code == 400, (expected, response.text)
        assert response.json()["error"].startswith(expected), (expected, response.text)
    assert user.get("/v1/jobs").json()["jobs"] == []


def test_malformed_request_bodies_are_400_not_500(user: ApiUser):
    not_json = user.post("/v1/jobs", data=b"{bad", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400
    assert "not valid JSON" in not_json.json()["error"]
    no_body = user.post("/v1/jobs")
    assert no_body.status_code == 400
    assert "request body is required" in no_body.json()["error"]
    a_list = user.post("/v1/jobs", json=[1, 2])
    assert a_list.status_code == 400
    assert "JSON object" in a_list.json()["error"]
    no_name = user.post("/v1/jobs", json={"config": {}})
    assert no_name.status_code == 400
    assert "name is required" in no_name.json()["error"]


def test_unknown_job_is_404_everywhere(user: ApiUser):
    for path in ("/v1/jobs/job_0000", "/v1/jobs/job_0000/events/stream",
                 "/v1/jobs/job_0000/artifacts", "/v1/jobs/job_0000/artifacts/final/x"):
        response = user.get(path)
        assert response.status_code == 404, path
        assert "not found" in response.json()["error"]
    assert user.post("/v1/jobs/job_0000/cancel").status_code == 404


def test_unknown_routes_answer_json_errors(backend: BackendProcess):
    response = backend.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]
    assert backend.post("/v1/health").status_code == 405


def test_bad_last_event_id_is_400(user: ApiUser):
    job = user.create_job(tiny_config(user.upload([GOOD_ROW]), maxSteps=1, dryRun=True))
    user.post(f"/v1/jobs/{job['id']}/cancel")
    response = user.get(f"/v1/jobs/{job['id']}/events/stream", headers={"Last-Event-ID": "x"})
    assert response.status_code == 400


# --- uploads -----------------------------------------------------------------------------


def test_upload_reports_rows_bytes_and_sha256(user: ApiUser):
    body = "".join(json.dumps(row) + "\n" for row in chat_rows(5)).encode()
    response = user.post("/v1/datasets", data=body, headers={"X-Arkor-Filename": "../x/t.jsonl"})
    assert response.status_code == 201
    dataset = response.json()["dataset"]
    assert dataset["rows"] == 5
    assert dataset["bytes"] == len(body)
    assert dataset["filename"] == "t.jsonl"
    assert len(dataset["sha256"]) == 64
    assert dataset["id"] and dataset["createdAt"]


def test_bad_upload_names_the_first_bad_line(user: ApiUser):
    rows = [json.dumps(GOOD_ROW), "", json.dumps(GOOD_ROW), "{not json"]
    response = user.post("/v1/datasets", data="\n".join(rows).encode(),
                         headers={"X-Arkor-Filename": "train.jsonl"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("train.jsonl: dataset line 4: invalid JSON")
    no_answer = {"messages": [{"role": "user", "content": "hi"}]}
    response = user.post("/v1/datasets", data=(json.dumps(GOOD_ROW) + "\n"
                                                + json.dumps(no_answer)).encode())
    assert response.status_code == 400
    assert "line 2" in response.json()["error"]
    assert "assistant" in response.json()["error"]
    assert user.post("/v1/datasets", data=b"\n\n").status_code == 400


def test_upload_over_the_size_cap_is_413(new_backend):
    server = new_backend(extra_args=("--max-upload-bytes", "2000", "--no-prewarm"))
    user = server.new_user()
    big = "".join(json.dumps(row) + "\n" for row in chat_rows(40)).encode()
    assert len(big) > 2000
    response = user.post("/v1/datasets", data=big)
    assert response.status_code == 413
    assert "upload limit" in response.json()["error"]

    def chunks():  # no Content-Length: the cap is enforced while streaming
        for start in range(0, len(big), 500):
            yield big[start:start + 500]

    streamed = user.post("/v1/datasets", data=chunks())
    assert streamed.status_code == 413
    assert list((server.data_dir / "datasets").iterdir()) == []


def test_prompt_completion_uploads_need_the_matching_dataset_format(user: ApiUser):
    rows = [{"prompt": "2+2?", "completion": "4"}, {"prompt": "3+3?", "completion": "6"}]
    dataset = user.upload(rows)
    refused = user.post("/v1/jobs", json={"name": "x", "config": tiny_config(dataset)})
    assert refused.status_code == 400
    assert "prompt_completion" in refused.json()["error"]
    job = user.create_job(tiny_config(dataset, datasetFormat={"type": "prompt_completion"},
                                      maxSteps=1, dryRun=True))
    assert user.post(f"/v1/jobs/{job['id']}/cancel").status_code in (200, 202)


def test_a_blob_token_is_never_sent_back(user: ApiUser):
    # Nothing listens on the port: the job fails fast, but the token must never leak.
    source = {"type": "blob", "url": "http://127.0.0.1:9/data.jsonl", "token": "s3cret"}
    job = user.create_job(tiny_config(source, maxSteps=1))
    assert job["config"]["datasetSource"]["token"] == "[redacted]"
    listed = user.get("/v1/jobs").json()["jobs"]
    user.post(f"/v1/jobs/{job['id']}/cancel")
    assert "s3cret" not in json.dumps(listed)
    assert "s3cret" not in json.dumps(user.job(job["id"]))
