"""The CLI's job commands on a real trained job: jobs, logs, cancel, chat, download."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_support import JOB_ID, CliProcess, cli_env, run_cli, small_trainer, write_trainer


@dataclass
class TrainedProject:
    folder: Path
    env: dict[str, str]
    job_id: str


@pytest.fixture(scope="module")
def trained(backend, tmp_path_factory) -> TrainedProject:
    """A project trained once with `arkor start` (6 steps, checkpoints at 3 and 6)."""
    root = tmp_path_factory.mktemp("cli-jobs")
    env = cli_env(root / "home", backend.url)
    write_trainer(root / "proj", small_trainer(max_steps=6, save_steps=3))
    result = run_cli(["start"], root / "proj", env)
    assert result.returncode == 0, result.stdout + result.stderr
    return TrainedProject(root / "proj", env, JOB_ID.search(result.stdout).group(1))


def test_jobs_lists_the_job_in_a_table(trained):
    result = run_cli(["jobs"], trained.folder, trained.env)
    assert result.returncode == 0, result.stderr
    assert re.search(r"id\s+name\s+status\s+model\s+created\s+duration", result.stdout)
    assert re.search(
        rf"{trained.job_id}\s+small\s+completed\s+arkor/tiny\s+\d{{4}}-\d\d-\d\d \d\d:\d\d\s+"
        r"\d:\d\d:\d\d",
        result.stdout,
    ), result.stdout


def test_jobs_show_has_status_metrics_and_checkpoints(trained):
    result = run_cli(["jobs", "show", trained.job_id], trained.folder, trained.env)
    assert result.returncode == 0, result.stderr
    assert re.search(r"status\s+completed", result.stdout)
    assert re.search(r"checkpoints\s+3, 6", result.stdout)
    assert re.search(r"last loss\s+\d+\.\d{4}", result.stdout)


def test_logs_replays_a_finished_job_with_the_progress_view(trained):
    result = run_cli(["logs", trained.job_id], trained.folder, trained.env)
    assert result.returncode == 0, result.stderr
    for step in range(1, 7):
        assert re.search(rf"step {step}/6", result.stdout), result.stdout
    assert "checkpoint saved at step 3" in result.stdout
    assert re.search(r"status\s+completed", result.stdout)


def test_logs_of_an_unknown_job_is_a_clear_error(trained):
    result = run_cli(["logs", "job_doesnotexist"], trained.folder, trained.env)
    assert result.returncode == 4
    assert "job_doesnotexist" in result.stderr and "Traceback" not in result.stderr


def test_cancel_distinguishes_unknown_and_finished_jobs(trained):
    unknown = run_cli(["cancel", "job_doesnotexist"], trained.folder, trained.env)
    assert unknown.returncode == 4
    assert "no job 'job_doesnotexist'" in unknown.stderr
    finished = run_cli(["cancel", trained.job_id], trained.folder, trained.env)
    assert finished.returncode == 3
    assert "already finished (completed)" in finished.stderr


def test_cancel_from_a_second_process_stops_a_running_start(trained):
    folder = trained.folder.parent / "long"
    write_trainer(folder, small_trainer(max_steps=5000, save_steps=5000))
    run = CliProcess(["start"], folder, trained.env)
    try:
        job_id = run.wait_for(JOB_ID.pattern).group(1)
        run.wait_for(r"step \d+/5000")
        cancel = run_cli(["cancel", job_id], folder, trained.env)
        assert cancel.returncode == 0, cancel.stderr
        assert f"cancellation requested for job {job_id}" in cancel.stdout
        assert run.wait(120) == 1
    finally:
        run.close()
    assert re.search(r"status\s+cancelled", run.output())
    again = run_cli(["cancel", job_id], folder, trained.env)
    assert again.returncode == 3 and "already finished (cancelled)" in again.stderr


def test_chat_with_the_final_adapter_streams_an_answer(trained):
    result = run_cli(["chat", trained.job_id, "ticket 7: item 3 is late", "--max-tokens", "12",
                      "--temperature", "0"], trained.folder, trained.env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "no answer printed"


def test_chat_with_a_checkpoint_and_with_the_base_model(trained):
    checkpoint = run_cli(["chat", f"{trained.job_id}@3", "hello", "--max-tokens", "8"],
                         trained.folder, trained.env)
    assert checkpoint.returncode == 0, checkpoint.stderr
    base = run_cli(["chat", "--base-model", "arkor/tiny", "hello", "--max-tokens", "8"],
                   trained.folder, trained.env)
    assert base.returncode == 0, base.stderr
    missing = run_cli(["chat", f"{trained.job_id}@999", "hello"], trained.folder, trained.env)
    assert missing.returncode != 0
    assert "999" in missing.stderr and "Traceback" not in missing.stderr


def test_chat_reads_messages_from_stdin_when_not_a_terminal(trained):
    result = run_cli(["chat", trained.job_id, "--max-tokens", "6"], trained.folder, trained.env,
                     stdin="first\nsecond\n")
    assert result.returncode == 0, result.stderr
    assert len([line for line in result.stdout.splitlines() if line.strip()]) >= 1


def test_download_gives_an_adapter_that_peft_loads(trained, tmp_path):
    target = tmp_path / "adapter"
    result = run_cli(["download", trained.job_id, "-o", str(target)], trained.folder, trained.env)
    assert result.returncode == 0, result.stderr
    assert (target / "adapter_config.json").is_file()
    assert (target / "adapter_model.safetensors").is_file()
    assert "PeftModel.from_pretrained" in result.stdout
    base = target / "base-model"
    load = subprocess.run(
        [sys.executable, "-c", (
            "import sys, torch\n"
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            "from peft import PeftModel\n"
            f"base = AutoModelForCausalLM.from_pretrained({str(base)!r})\n"
            f"model = PeftModel.from_pretrained(base, {str(target)!r})\n"
            f"tok = AutoTokenizer.from_pretrained({str(target)!r})\n"
            "ids = tok('hello', return_tensors='pt').input_ids\n"
            "out = model.generate(ids, max_new_tokens=4, do_sample=False)\n"
            "print('LOADED', type(model).__name__, out.shape[1] > ids.shape[1])\n"
        )],
        capture_output=True, text=True, timeout=180, env={**trained.env, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert "LOADED PeftModelForCausalLM True" in load.stdout, load.stderr[-2000:]


def test_download_a_checkpoint_step(trained, tmp_path):
    target = tmp_path / "ckpt"
    result = run_cli(["download", trained.job_id, "--step", "3", "-o", str(target)],
                     trained.folder, trained.env)
    assert result.returncode == 0, result.stderr
    config = json.loads((target / "adapter_config.json").read_text())
    assert config["peft_type"] == "LORA"
    bad = run_cli(["download", trained.job_id, "--step", "4"], trained.folder, trained.env)
    assert bad.returncode == 4
    assert "checkpoint step 4" in bad.stderr and "3, 6" in bad.stderr
