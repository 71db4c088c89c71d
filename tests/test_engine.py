"""The training and inference engine (``arkor/server/engine/``), run for real on ``arkor/tiny``.

Training tests run real (tiny, seconds-long) jobs in-process through
``train_job``; nothing of the engine, ``requests`` or the network is mocked:
the blob source is fetched from a loopback ``http.server``.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"  # before huggingface_hub reads it at import
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import functools
import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch

from arkor.server.engine import ChatEngine, ModelLoadError, TrainingError, train_job
from arkor.server.engine.data import check_blob_url, fetch_blob, split_eval
from arkor.server.engine.demo_dataset import is_triage_record, triage_rows
from arkor.server.engine.encoding import IGNORE, encode
from arkor.server.engine.hyperparams import Hyperparameters
from arkor.server.engine.models import FALLBACK_CHAT_TEMPLATE, load_model, load_tokenizer
from arkor.server.engine.names import CUDA_ONLY_OPTIMIZERS, LR_SCHEDULERS, OPTIMIZERS
from arkor.server.engine.optimization import attach_lora, build_optimizer, build_scheduler
from arkor.server.engine.tiny import tiny_model_dir

# peft calls a transformers API that warns of its own deprecation; the engine filters it,
# but pytest resets warning filters for every test.
pytestmark = pytest.mark.filterwarnings("ignore:.*is_gradient_checkpointing:FutureWarning")


class Recorder:
    """Collects ``emit`` calls."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, event_type: str, payload: dict[str, Any]) -> None:
        self.events.append((event_type, payload))

    @property
    def types(self) -> list[str]:
        return [t for t, _ in self.events]

    def of(self, event_type: str) -> list[dict[str, Any]]:
        return [p for t, p in self.events if t == event_type]


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    tiny_model_dir(folder)
    return folder


def train(root: Path, models_dir: Path, config: dict[str, Any], rows=None, stop=lambda: False):
    """Runs a job on ``rows`` (uploaded) or the ``datasetSource`` in ``config``."""
    dataset_file = write_jsonl(root / "data.jsonl", rows) if rows is not None else None
    spec = {
        "jobId": "job",
        "config": {"model": "arkor/tiny", "datasetSource": {"type": "upload", "id": "d"}, **config},
        "datasetFile": str(dataset_file) if dataset_file else None,
        "jobDir": str(root / "job"),
        "modelsDir": str(models_dir),
        "seed": 0,
    }
    recorder = Recorder()
    train_job(spec, recorder, stop)
    return recorder, root / "job"


@pytest.fixture
def run_job(tmp_path, models_dir):
    return functools.partial(train, tmp_path, models_dir)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, models_dir):
    """One real default-settings run (150 steps, 10% eval), shared by the tests that inspect it."""
    config = {"saveSteps": 75, "evalSteps": 50, "datasetSplit": {"evalFraction": 0.1}}
    rows = triage_rows(160, seed=1)
    return train(tmp_path_factory.mktemp("trained"), models_dir, config, rows)


# --- arkor/tiny -----------------------------------------------------------------------


def test_tiny_model_builds_the_same_bytes_and_survives_a_race(tmp_path, models_dir):
    folders: list[Path] = []
    racers = [
        threading.Thread(target=lambda: folders.append(tiny_model_dir(tmp_path))) for _ in "ab"
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert folders == [tmp_path / "arkor-tiny"] * 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arkor-tiny"]  # no leftovers
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        assert (tmp_path / "arkor-tiny" / name).read_bytes() == (
            models_dir / "arkor-tiny" / name
        ).read_bytes()


def test_tiny_tokenizer_has_a_chat_template_and_reads_any_text(models_dir):
    tokenizer = load_tokenizer("arkor/tiny", str(models_dir / "arkor-tiny"))
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": "¿Dónde está mi pedido? 🚚"}],
        tokenize=False,
        add_generation_prompt=True,
    )
    assert text == "<|user|>\n¿Dónde está mi pedido? 🚚<|end|>\n<|assistant|>\n"
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids) == text and len(tokenizer) == 1024


def test_engine_package_and_names_import_without_torch():
    code = (
        "import sys, arkor.server.engine, arkor.server.engine.names as n; "
        "assert 'torch' not in sys.modules; print(n.OPTIMIZERS[0])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "adamw_torch"


# --- masking ---------------------------------------------------------------------------


def labelled_text(tokenizer, example) -> str:
    return tokenizer.decode(
        [t for t, label in zip(example.input_ids, example.labels, strict=True) if label != IGNORE]
    )


CONVERSATION = [
    {"role": "system", "content": "Reply in JSON."},
    {"role": "user", "content": "ok"},
    {"role": "assistant", "content": "ok"},  # same text as the user turn: must not confuse spans
    {"role": "user", "content": "Charged twice!"},
    {"role": "assistant", "content": '{"category": "billing"}'},
]


def test_only_assistant_tokens_and_their_end_token_are_labelled(models_dir):
    tokenizer = load_tokenizer("arkor/tiny", str(models_dir / "arkor-tiny"))
    stop = frozenset({tokenizer.eos_token_id})
    example = encode(tokenizer, [CONVERSATION], max_length=512, responses_only=True, stop_ids=stop)
    assert (
        labelled_text(tokenizer, example.examples[0]) == 'ok<|end|>{"category": "billing"}<|end|>'
    )
    whole = encode(tokenizer, [CONVERSATION], max_length=512, responses_only=False, stop_ids=stop)
    assert whole.examples[0].labels == whole.examples[0].input_ids


def test_masking_works_for_a_template_without_generation_markers(models_dir):
    tokenizer = load_tokenizer("arkor/tiny", str(models_dir / "arkor-tiny"))
    tokenizer.chat_template = (  # trims contents and ends turns with the EOS token
        "{% for m in messages %}[{{ m['role'] | upper }}] {{ m['content'] | trim }}"
        "{{ eos_token }}{% endfor %}"
    )
    messages = [{"role": "user", "content": " hi "}, {"role": "assistant", "content": " Hello! \n"}]
    stop = frozenset({tokenizer.eos_token_id})
    example = encode(tokenizer, [messages], max_length=512, responses_only=True, stop_ids=stop)
    # "ĠHello" holds the template's space and the reply's first word: it is the reply's.
    assert labelled_text(tokenizer, example.examples[0]) == " Hello!<|end|>"


def test_truncation_drops_rows_left_without_assistant_tokens(models_dir):
    tokenizer = load_tokenizer("arkor/tiny", str(models_dir / "arkor-tiny"))
    result = encode(
        tokenizer, [CONVERSATION], max_length=4, responses_only=True, stop_ids=frozenset()
    )
    assert result.examples == [] and result.dropped == 1


def test_a_model_without_chat_template_gets_the_fallback(tmp_path, models_dir):
    folder = tmp_path / "plain"
    folder.mkdir()
    for path in (models_dir / "arkor-tiny").iterdir():
        if path.name != "chat_template.jinja":
            (folder / path.name).write_bytes(path.read_bytes())
    tokenizer = load_tokenizer(str(folder), str(folder))
    assert tokenizer.chat_template == FALLBACK_CHAT_TEMPLATE
    example = encode(
        tokenizer,
        [CONVERSATION],
        max_length=512,
        responses_only=True,
        stop_ids=frozenset({tokenizer.eos_token_id}),
    )
    assert labelled_text(tokenizer, example.examples[0]).endswith('"billing"}<|end|>')


# --- a full default run ------------------------------------------------------------------


@pytest.mark.training
def test_a_run_emits_the_whole_event_sequence_and_the_loss_falls(trained):
    recorder, _ = trained
    assert recorder.types[0] == "training.started" and recorder.types[-1] == "training.completed"
    metadata = recorder.of("training.started")[0]["metadata"]
    assert metadata["device"] == "cpu" and metadata["model"] == "arkor/tiny"
    assert (metadata["rows"], metadata["evalRows"], metadata["totalSteps"]) == (144, 16, 150)
    logs = [p for p in recorder.of("training.log") if "loss" in p]
    assert [p["step"] for p in logs] == list(range(1, 151))
    assert logs[0]["loss"] > 10 * logs[-1]["loss"]
    assert all(p["learningRate"] >= 0 and p["samplesPerSecond"] > 0 for p in logs)
    evals = [p for p in recorder.of("training.log") if "evalLoss" in p]
    assert [p["step"] for p in evals] == [50, 100, 150]
    assert evals[0]["evalLoss"] > evals[-1]["evalLoss"]
    assert [p["step"] for p in recorder.of("checkpoint.saved")] == [75, 150]
    metrics = recorder.of("training.completed")[0]["metrics"]
    assert metrics["steps"] == 150 and metrics["finalLoss"] == logs[-1]["loss"]
    assert metrics["evalLoss"] == evals[-1]["evalLoss"]


@pytest.mark.training
def test_artifacts_are_listed_relative_to_the_job_dir(trained):
    recorder, job_dir = trained
    checkpoint = recorder.of("checkpoint.saved")[0]["artifacts"]
    assert {
        "checkpoints/step-75/adapter_model.safetensors",
        "checkpoints/step-75/adapter_config.json",
        "checkpoints/step-75/tokenizer.json",
    } <= {a["path"] for a in checkpoint}
    final = recorder.of("training.completed")[0]["artifacts"]
    paths = {a["path"] for a in final}
    assert {"final/adapter_model.safetensors", "base-model/model.safetensors"} <= paths
    assert all((job_dir / a["path"]).stat().st_size == a["bytes"] for a in checkpoint + final)
    config = json.loads((job_dir / "final/adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == "arkor/tiny"


@pytest.mark.training
def test_checkpoints_load_with_peft_from_pretrained(trained):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    _, job_dir = trained
    base = AutoModelForCausalLM.from_pretrained(job_dir / "base-model")
    before = base.get_input_embeddings().weight.clone()
    model = PeftModel.from_pretrained(base, job_dir / "checkpoints/step-150")
    merged = model.merge_and_unload()
    assert not merged.get_input_embeddings().weight.equal(before)  # trained embeddings came back


@pytest.mark.training
def test_chat_streams_a_checkpoint_reply_token_by_token(trained, models_dir):
    _, job_dir = trained
    engine = ChatEngine(models_dir, cache_size=2)
    messages = triage_rows(1, seed=77)[0]["messages"][:2]
    stream = engine.chat({"adapterDir": str(job_dir / "checkpoints/step-150")}, messages)
    deltas = list(stream)
    assert len(deltas) > 5 and stream.finish_reason == "stop"
    assert stream.usage["completionTokens"] >= len(deltas) and stream.usage["promptTokens"] > 10
    again = engine.chat({"adapterDir": str(job_dir / "final")}, messages).text()
    assert again == "".join(deltas)  # step 150 is the final step; greedy is deterministic
    assert is_triage_record(again)


def test_chat_sampling_is_seeded_and_max_tokens_ends_with_length(models_dir):
    engine = ChatEngine(models_dir)
    messages = [{"role": "user", "content": "Hello"}]
    first = engine.chat(
        {"baseModel": "arkor/tiny"}, messages, temperature=0.9, top_p=0.8, max_tokens=8
    )
    text = first.text()
    assert first.finish_reason == "length" and first.usage["completionTokens"] == 8
    again = engine.chat(
        {"baseModel": "arkor/tiny"}, messages, temperature=0.9, top_p=0.8, max_tokens=8
    )
    assert again.text() == text


# --- settings, formats and sources ---------------------------------------------------


@pytest.mark.training
@pytest.mark.parametrize("fmt", ["chatml", "prompt_completion", "instruction"])
def test_every_row_format_trains_in_a_dry_run(run_job, fmt):
    config = {"dryRun": True, "datasetFormat": {"type": fmt}}
    recorder, job_dir = run_job(config, triage_rows(40, seed=2, fmt=fmt))
    assert recorder.types == [
        "training.started",
        "training.log",
        "training.log",
        "checkpoint.saved",
        "training.completed",
    ]
    assert recorder.of("training.started")[0]["metadata"]["rows"] == 16
    assert recorder.of("checkpoint.saved")[0]["step"] == 2
    assert (job_dir / "final/adapter_model.safetensors").is_file()


def test_a_malformed_row_fails_before_any_event_naming_its_line(run_job):
    rows = [*triage_rows(2), {"messages": [{"role": "robot", "content": "hi"}]}]
    with pytest.raises(TrainingError, match=r"line 3: messages\[0\]\.role must be one of"):
        run_job({}, rows)


@pytest.mark.training
def test_should_stop_cancels_after_the_current_step(run_job, tmp_path):
    calls = iter(range(100))
    recorder, job_dir = run_job({"maxSteps": 50}, triage_rows(40), stop=lambda: next(calls) >= 3)
    assert recorder.types[-1] == "training.cancelled"
    assert recorder.of("training.cancelled") == [{"step": 3}]
    assert not (job_dir / "final").exists()


def test_load_in_4bit_on_cpu_is_refused_naming_cuda(run_job):
    with pytest.raises(TrainingError, match="loadIn4bit needs a CUDA device"):
        run_job({"loadIn4bit": True}, triage_rows(4))


def test_unknown_optimizer_and_scheduler_are_refused_listing_names(run_job):
    with pytest.raises(TrainingError, match="optim must be one of adamw_torch, adamw, adam, sgd"):
        run_job({"optim": "lion"}, triage_rows(4))
    with pytest.raises(TrainingError, match="lrSchedulerType must be one of linear, cosine"):
        run_job({"lrSchedulerType": "wavy"}, triage_rows(4))


def test_every_cpu_optimizer_and_scheduler_builds_and_steps(models_dir):
    hp = Hyperparameters.from_config({"model": "arkor/tiny"})
    base = load_model("arkor/tiny", str(models_dir / "arkor-tiny"), torch.device("cpu"))
    model = attach_lora(base, hp)
    trainable = [p for p in model.parameters() if p.requires_grad]
    for name in (n for n in OPTIMIZERS if n not in CUDA_ONLY_OPTIMIZERS):
        before = trainable[0].detach().clone()
        for parameter in trainable:
            parameter.grad = torch.ones_like(parameter)
        optimizer = build_optimizer(model, replace(hp, optim=name))
        optimizer.step()
        assert not trainable[0].equal(before), name
    schedule = hp.schedule(train_rows=80, has_eval=False)
    for name in LR_SCHEDULERS:
        scheduler = build_scheduler(optimizer, replace(hp, lr_scheduler=name), schedule)
        optimizer.step()
        scheduler.step()


def test_defaults_suit_the_model():
    tiny = Hyperparameters.from_config({"model": "arkor/tiny"})
    pretrained = Hyperparameters.from_config({"model": "org/model", "numTrainEpochs": 2})
    assert (tiny.learning_rate, tiny.max_steps) == (3e-3, 150)
    assert tiny.modules_to_save == ("embed_tokens", "lm_head")
    assert (pretrained.learning_rate, pretrained.max_steps) == (2e-4, None)
    assert pretrained.modules_to_save == ()
    schedule = pretrained.schedule(train_rows=40, has_eval=False)
    assert (schedule.total_steps, schedule.warmup_steps, schedule.logging_steps) == (20, 1, 1)
    both = Hyperparameters.from_config({"model": "arkor/tiny", "maxSteps": 7, "numTrainEpochs": 9})
    assert both.schedule(train_rows=800, has_eval=False).total_steps == 7  # maxSteps wins


def test_eval_split_is_seeded_and_never_takes_every_row():
    rows = [[{"role": "user", "content": str(i)}] for i in range(50)]
    first, again = split_eval(rows, 0.1, seed=3), split_eval(rows, 0.1, seed=3)
    assert len(first.eval) == 5 and first.eval == again.eval and len(first.train) == 45
    with pytest.raises(TrainingError, match="leaves no rows to train on"):
        split_eval(rows[:1], 0.5, seed=0)


@pytest.mark.training
def test_a_local_model_directory_trains_with_pretrained_defaults(run_job, models_dir):
    local = str(models_dir / "arkor-tiny")
    recorder, job_dir = run_job({"model": local, "dryRun": True}, triage_rows(20))
    metadata = recorder.of("training.started")[0]["metadata"]
    assert metadata["learningRate"] == 2e-4 and metadata["fullyTrainedModules"] == []
    config = json.loads((job_dir / "final/adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == local and not (job_dir / "base-model").exists()


def test_a_model_missing_offline_is_a_clear_error(run_job):
    with pytest.raises(ModelLoadError, match=r"model 'nobody/no-such-model'.*HF_HUB_OFFLINE"):
        run_job({"model": "nobody/no-such-model"}, triage_rows(4))


@pytest.mark.training
def test_huggingface_source_reads_a_local_dataset_folder_with_named_splits(run_job, tmp_path):
    folder = tmp_path / "hfdata"
    write_jsonl(folder / "train.jsonl", triage_rows(30, seed=4))
    write_jsonl(folder / "test.jsonl", triage_rows(6, seed=5))
    source = {"type": "huggingface", "name": str(folder)}
    recorder, _ = run_job(
        {"datasetSource": source, "dryRun": True, "datasetSplit": {"eval": "test"}}
    )
    metadata = recorder.of("training.started")[0]["metadata"]
    assert (metadata["datasetRows"], metadata["evalRows"]) == (36, 6)
    assert "evalLoss" in recorder.of("training.log")[-1]


@pytest.fixture
def blob_server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A loopback HTTP server: /data.jsonl (triage rows), /redirect (to plain http elsewhere)."""
    body = "".join(json.dumps(r) + "\n" for r in triage_rows(24, seed=6)).encode()
    seen: list[dict[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(dict(self.headers))
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "http://example.com/data.jsonl")
                self.end_headers()
                return
            self.send_response(200 if self.path == "/data.jsonl" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


@pytest.mark.training
def test_blob_source_is_fetched_over_loopback_http_with_the_token(run_job, blob_server):
    url, seen = blob_server
    source = {"type": "blob", "url": f"{url}/data.jsonl", "token": "s3cret"}
    recorder, _ = run_job({"datasetSource": source, "dryRun": True})
    assert recorder.of("training.started")[0]["metadata"]["datasetRows"] == 24
    assert seen[0]["Authorization"] == "Bearer s3cret"


def test_blob_fetch_enforces_the_size_cap_and_refuses_unsafe_urls(blob_server):
    url, _ = blob_server
    with pytest.raises(TrainingError, match="larger than the 100 byte limit"):
        fetch_blob(f"{url}/data.jsonl", max_bytes=100)
    with pytest.raises(TrainingError, match="HTTP 404"):
        fetch_blob(f"{url}/missing.jsonl")
    with pytest.raises(TrainingError, match="must be https"):
        fetch_blob(f"{url}/redirect")  # a redirect to plain http on another host
    for bad in ("http://example.com/d.jsonl", "http://10.0.0.1/d.jsonl", "ftp://127.0.0.1/d"):
        with pytest.raises(TrainingError, match="must be https"):
            check_blob_url(bad)
    check_blob_url("https://example.com/d.jsonl")
    check_blob_url("http://localhost:8000/d.jsonl")
