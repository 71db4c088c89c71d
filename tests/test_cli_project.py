"""The CLI's project commands as a user runs them: init, start, dev, and their errors."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import (
    JOB_ID,
    TIMESTAMPED_STEP,
    CliProcess,
    cli_env,
    run_cli,
    run_in_pty,
    small_trainer,
    write_trainer,
)

TEMPLATES = ["triage", "translate", "redaction", "blank"]


@pytest.fixture
def env(backend, tmp_path):
    return cli_env(tmp_path / "home", backend.url)


def test_help_lists_every_command_without_importing_the_training_stack(tmp_path, env):
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "arkor", "--help"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for command in ("init", "start", "cancel", "jobs", "logs", "chat", "download", "server",
                    "login", "logout", "whoami", "dev"):
        assert re.search(rf"^\s+{command}\s", result.stdout, re.M), command
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    assert not {"torch", "transformers", "peft", "fastapi", "requests"} & imported


@pytest.mark.parametrize("command", [
    ["init"], ["start"], ["cancel"], ["jobs"], ["jobs", "show"], ["logs"], ["chat"],
    ["download"], ["server"], ["server", "status"], ["server", "stop"], ["login"], ["logout"],
    ["whoami"], ["dev"],
])  # fmt: skip
def test_every_command_has_help(command, tmp_path, env):
    result = run_cli([*command, "--help"], tmp_path, env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_version_prints_the_package_version(tmp_path, env):
    from arkor import __version__

    result = run_cli(["--version"], tmp_path, env)
    assert result.stdout.strip() == f"arkor {__version__}"


@pytest.mark.parametrize("template", TEMPLATES)
def test_init_scaffolds_each_template_with_defaults_when_not_a_terminal(template, tmp_path, env):
    result = run_cli(["init", "proj", "--template", template], tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert "using defaults (not a terminal): name proj" in result.stdout
    project = tmp_path / "proj"
    for path in ("trainer.py", "data/train.jsonl", "data/heldout.jsonl", "README.md",
                 ".gitignore"):
        assert (project / path).is_file(), path
        assert re.search(rf"created\s+{re.escape(path)}", result.stdout), path
    assert '"proj"' in (project / "trainer.py").read_text()
    assert ".arkor/" in (project / ".gitignore").read_text().splitlines()
    rows = (project / "data/train.jsonl").read_text().splitlines()
    assert len(rows) >= (30 if template == "blank" else 300)


def test_init_never_overwrites_a_users_file(tmp_path, env):
    project = tmp_path / "mine"
    project.mkdir()
    (project / "trainer.py").write_text("# my own trainer\n")
    (project / ".gitignore").write_text("*.log\n")
    result = run_cli(["init", "mine", "--template", "blank", "--yes"], tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert (project / "trainer.py").read_text() == "# my own trainer\n"
    assert re.search(r"kept\s+trainer\.py", result.stdout)
    assert re.search(r"updated\s+\.gitignore", result.stdout)
    assert (project / ".gitignore").read_text() == "*.log\n.arkor/\n"
    assert (project / "data/train.jsonl").is_file()


def test_init_with_an_unknown_template_lists_the_valid_ones_and_writes_nothing(tmp_path, env):
    result = run_cli(["init", "nope", "--template", "sentiment"], tmp_path, env)
    assert result.returncode == 2
    assert "unknown template 'sentiment'" in result.stderr
    assert "triage, translate, redaction, blank" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "nope").exists()


def test_start_trains_the_triage_template_to_completion_with_plain_lines(tmp_path, env):
    assert run_cli(["init", "demo", "--template", "triage", "--yes"], tmp_path, env).returncode == 0
    result = run_cli(["start"], tmp_path / "demo", env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert JOB_ID.search(out)
    assert TIMESTAMPED_STEP.search(out), out
    source = (tmp_path / "demo/trainer.py").read_text()
    steps = int(re.search(r"^\s+max_steps=(\d+)", source, re.M).group(1))
    every = int(re.search(r"^\s+save_steps=(\d+)", source, re.M).group(1))
    assert re.search(rf"step {steps}/{steps}", out)
    assert re.search(rf"checkpoint saved at step {every}", out)
    assert re.search(rf"step {every}: held-out answer parses as expected JSON: (yes|no)", out)
    assert re.search(r"status\s+completed", out)
    assert re.search(r"final loss\s+\d+\.\d{4}", out)
    assert "arkor download" in out and "arkor chat" in out
    assert "\x1b[" not in out  # no animation or colour codes when not a terminal
    state = json.loads((tmp_path / "demo/.arkor/state.json").read_text())
    assert state["projectSlug"] == "demo"


@pytest.mark.parametrize("template", ["translate", "redaction", "blank"])
def test_start_runs_each_other_template_end_to_end(template, tmp_path, env):
    assert run_cli(["init", "p", "--template", template, "--yes"], tmp_path, env).returncode == 0
    result = run_cli(["start", "--max-steps", "20"], tmp_path / "p", env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"step 20/20", result.stdout)
    assert re.search(r"status\s+completed", result.stdout)


def test_start_exits_1_when_the_run_fails(tmp_path, env):
    write_trainer(tmp_path / "p", '''
from arkor import create_trainer
trainer = create_trainer(
    name="doomed", model="arkor/tiny",
    dataset={"type": "huggingface", "name": "/no/such/dataset"}, max_steps=5,
)
''')
    result = run_cli(["start"], tmp_path / "p", env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"status\s+failed", result.stdout)
    assert "/no/such/dataset" in result.stdout


def test_start_detach_prints_the_job_id_and_returns(tmp_path, env):
    write_trainer(tmp_path / "p", small_trainer(max_steps=4, save_steps=4))
    result = run_cli(["start", "--detach"], tmp_path / "p", env)
    assert result.returncode == 0, result.stderr
    job_id = JOB_ID.search(result.stdout).group(1)
    assert f"arkor logs {job_id} --follow" in result.stdout
    follow = run_cli(["logs", job_id, "--follow"], tmp_path / "p", env)
    assert follow.returncode == 0, follow.stdout + follow.stderr
    assert re.search(r"status\s+completed", follow.stdout)


def test_first_ctrl_c_cancels_the_job_and_exits_130(tmp_path, env):
    write_trainer(tmp_path / "p", small_trainer(max_steps=5000, save_steps=5000))
    run = CliProcess(["start"], tmp_path / "p", env)
    try:
        job_id = run.wait_for(JOB_ID.pattern).group(1)
        run.wait_for(r"step \d+/5000")
        run.process.send_signal(signal.SIGINT)
        assert run.wait(120) == 130, run.output()
    finally:
        run.close()
    out = run.output()
    assert f"cancelling job {job_id}" in out
    assert re.search(r"status\s+cancelled", out)
    show = run_cli(["jobs", "show", job_id], tmp_path / "p", env)
    assert re.search(r"status\s+cancelled", show.stdout)


def test_second_ctrl_c_detaches_and_says_how_to_reattach(tmp_path, env):
    # A slow on_log keeps the client behind the backend, so the cancel is not seen at once.
    slow = small_trainer(max_steps=5000, save_steps=5000).replace(
        "    save_steps=5000,\n",
        "    save_steps=5000,\n    callbacks={'on_log': lambda ctx: time.sleep(0.2)},\n",
    )
    write_trainer(tmp_path / "p", "import time\n" + slow)
    run = CliProcess(["start"], tmp_path / "p", env)
    try:
        job_id = run.wait_for(JOB_ID.pattern).group(1)
        run.wait_for(r"step \d+/5000")
        run.process.send_signal(signal.SIGINT)
        run.wait_for("cancelling job")
        run.process.send_signal(signal.SIGINT)
        assert run.wait(60) == 130
    finally:
        run.close()
    assert f"arkor logs {job_id} --follow" in run.output()
    assert f"arkor cancel {job_id}" in run.output()


@pytest.mark.parametrize(("body", "expected"), [
    ("def broken(:\n    pass\n", r"trainer\.py:1: syntax error"),
    ("x = 1\n",
     r"defines no trainer: expected `trainer = create_trainer\(...\)`.*Found: x \(int\)"),
    ("from arkor import create_trainer\n\ntrainer = create_trainer(name='t', model='m',\n"
     "    dataset={'type': 'huggingface', 'name': 'a/b'}, lora={'r': -1})\n",
     r"trainer\.py:3: lora\.r must be a positive integer \(got -1\)"),
    ("raise RuntimeError('boom')\n",
     r"trainer\.py:1: loading the trainer raised RuntimeError: boom"),
])  # fmt: skip
def test_start_explains_a_broken_trainer_in_one_line(body, expected, tmp_path, env):
    project = tmp_path / "p"
    project.mkdir()
    (project / "trainer.py").write_text(body)
    result = run_cli(["start"], project, env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert re.search(expected, result.stderr), result.stderr
    assert "Traceback" not in result.stderr


def test_start_without_a_trainer_file_says_how_to_make_one(tmp_path, env):
    result = run_cli(["start"], tmp_path, env)
    assert result.returncode == 2
    assert "no trainer.py found" in result.stderr and "arkor init" in result.stderr


def test_debug_flag_adds_the_traceback(tmp_path, env):
    result = run_cli(["--debug", "start"], tmp_path, env)
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "no trainer.py found" in result.stderr


def test_dev_reports_each_save_and_survives_broken_edits(tmp_path, env):
    trainer = write_trainer(tmp_path / "p", small_trainer())
    run = CliProcess(["dev"], tmp_path / "p", env)
    try:
        run.wait_for(r"ok: small: arkor/tiny on data/train\.jsonl, 24 rows, 6 steps")
        trainer.write_text("from arkor import create_trainer\ntrainer = create_trainer(\n")
        run.wait_for(r"error \(trainer\.py\): .*trainer\.py:2: syntax error")
        trainer.write_text(small_trainer(max_steps=9))
        run.wait_for(
            r"ok \(trainer\.py\): small: arkor/tiny on data/train\.jsonl, 24 rows, 9 steps"
        )
        run.process.send_signal(signal.SIGINT)
        assert run.wait(30) == 0
    finally:
        run.close()
    assert "stopped watching" in run.output()


def test_dev_run_retrains_on_save_cancelling_the_previous_run(tmp_path, env):
    trainer = write_trainer(tmp_path / "p", small_trainer(max_steps=5000, save_steps=5000))
    run = CliProcess(["dev", "--run"], tmp_path / "p", env)
    try:
        first = run.wait_for(JOB_ID.pattern).group(1)
        run.wait_for(r"step \d+/5000")
        trainer.write_text(small_trainer(max_steps=4, save_steps=4))
        run.wait_for("cancelling the previous run first")
        run.wait_for(r"status\s+cancelled")
        run.wait_for(r"step 4/4")
        run.wait_for(r"status\s+completed")
        run.process.send_signal(signal.SIGINT)
        run.wait(60)
    finally:
        run.close()
    jobs = run_cli(["jobs"], tmp_path / "p", env).stdout
    assert re.search(rf"{first}\s+small\s+cancelled", jobs), jobs


def test_a_plain_python_script_can_train_with_the_sdk(tmp_path, env):
    project = tmp_path / "script"
    write_trainer(project, small_trainer(max_steps=3, save_steps=3))
    script = project / "run.py"
    script.write_text(
        "import arkor\n"
        "result = arkor.run_trainer()\n"
        "print('STATUS', result.job.status, len(result.artifacts))\n"
    )
    result = subprocess.run([sys.executable, str(script)], cwd=project, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    status, count = re.search(r"STATUS (\w+) (\d+)", result.stdout).groups()
    assert status == "completed" and int(count) > 0
    assert Path(project / ".arkor/state.json").is_file()


def test_init_asks_for_template_and_name_on_a_terminal(tmp_path, env):
    code, shown = run_in_pty(
        ["init", "proj"], tmp_path, env,
        answers=[("Template (triage, translate, redaction, blank)", "redaction"),
                 ("Run name [proj]", "pii-scrubber")],
    )  # fmt: skip
    assert code == 0, shown
    assert "using defaults" not in shown
    trainer = (tmp_path / "proj/trainer.py").read_text()
    assert 'name="pii-scrubber"' in trainer
    assert "redactedText" in (tmp_path / "proj/data/train.jsonl").read_text()


def test_start_on_a_terminal_draws_a_live_progress_bar(tmp_path, env):
    write_trainer(tmp_path / "p", small_trainer(max_steps=6, save_steps=3))
    code, shown = run_in_pty(["start"], tmp_path / "p", {**env, "COLUMNS": "160"})
    assert code == 0, shown
    assert "\x1b[" in shown  # the terminal gets cursor movement and colour
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown)
    assert re.search(r"training\s.*6/6\s+loss \d+\.\d{4}\s+lr \S+ [\d.]+ it/s .*ETA", text), text
    assert "checkpoint saved at step 3" in text
    assert not TIMESTAMPED_STEP.search(text)
    assert re.search(r"status\s+completed", text)


def test_init_on_a_terminal_asks_again_after_an_unknown_template(tmp_path, env):
    code, shown = run_in_pty(
        ["init", "proj"], tmp_path, env,
        answers=[("Template (", "sentiment"), ("choose one of: triage", "blank"),
                 ("Run name [proj]", "")],
    )  # fmt: skip
    assert code == 0, shown
    assert 'name="proj"' in (tmp_path / "proj/trainer.py").read_text()
