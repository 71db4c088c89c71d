"""Training overhead: the same tiny model, data, seed and steps, trained different ways.

Variants (each runs in its own fresh Python process, so each pays its own
imports and reports its own peak memory):

- ``plain``: a hand-written torch + peft loop, the baseline; what a user could
  write in a notebook. Same LoRA, optimizer, schedule, batches and loss as the
  engine, so its loss curve must match the engine's.
- ``engine``: ``arkor.server.engine.train_job`` called in-process (what a
  worker runs), events collected by a callback.
- ``backend``: the whole product: a real ``arkor server`` subprocess, the SDK's
  ``create_trainer(...).wait()`` over HTTP (upload, job, SSE, callbacks). Its
  steps/s comes from the events' own timestamps; "1st log s" is from
  ``start()`` to the first ``on_log``, measured on a second job once the
  server's prewarmed worker is ready (the cold first job is reported too);
  peak memory is the training worker's own (``peakMemoryMb`` of the
  ``training.completed`` metrics; polling ``/proc`` from outside slowed the
  worker down by 15-20%, so the worker reports it). It streams a
  ``training.log`` every ``--logging-steps`` (default 10); each streamed event
  costs the server and client about 1.5 ms of CPU, which on 2 cores slows the
  training threads measurably, so try ``--logging-steps 1`` for the worst case.

A variant is a function ``(Setup) -> Result`` registered in ``VARIANTS``; a new
one (e.g. training through the backend over HTTP) is one more such function.
Steps/s is counted from the first to the last training step (plus the final
adapter save), so it compares the training loops themselves; ``total`` is the
whole variant from the start of its process work to its end.

Run: ``python bench/train_overhead.py [--steps 150] [--rows 200] [--variants plain,engine]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# The settings every variant trains with (the engine's arkor/tiny defaults, spelled out).
LEARNING_RATE = 3e-3
BATCH_SIZE = 8
MAX_LENGTH = 512
LORA_R, LORA_ALPHA = 16, 32


def warmup_steps(steps: int) -> int:
    """Linear warmup over 5% of the steps, then cosine decay."""
    return round(steps * 0.05)


@dataclass
class Setup:
    """What every variant trains: the data file, folders, steps and seed."""

    workdir: Path
    data_file: Path
    models_dir: Path
    steps: int
    logging_steps: int = 10  # how often the backend variant streams a training.log
    seed: int = 42  # the backend's seed (arkor.server.runner.SEED), so all variants match


@dataclass
class Result:
    """What a variant measured. Seconds are wall-clock."""

    name: str
    steps: int
    train_seconds: float  # first step to last step, plus the final adapter save
    train_cpu_seconds: float | None  # CPU time of the same span (None: another process)
    total_seconds: float  # imports excluded, everything else included
    import_seconds: float
    first_log_seconds: float | None  # from start to the first training.log, when known
    losses: list[float] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    note: str = ""

    @property
    def steps_per_second(self) -> float:
        """Training steps per second of ``train_seconds``."""
        return self.steps / self.train_seconds


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_plain(setup: Setup) -> Result:
    """The baseline: a hand-written torch + peft loop on the engine's tokenized data."""
    imported = time.monotonic()
    import torch
    import torch.nn.functional as F
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, get_cosine_schedule_with_warmup

    from arkor.server.datasets import conversations_from_jsonl
    from arkor.server.engine.encoding import IGNORE, collate, encode
    from arkor.server.engine.models import load_tokenizer
    from arkor.server.engine.tiny import tiny_model_dir

    started = time.monotonic()
    import_seconds = started - imported
    folder = str(tiny_model_dir(setup.models_dir))
    tokenizer = load_tokenizer("arkor/tiny", folder)
    with open(setup.data_file, "rb") as lines:
        conversations = conversations_from_jsonl(lines)
    examples = encode(
        tokenizer,
        conversations,
        max_length=MAX_LENGTH,
        responses_only=True,
        stop_ids=frozenset({tokenizer.eos_token_id}),
    ).examples
    model = AutoModelForCausalLM.from_pretrained(folder)
    torch.manual_seed(setup.seed)
    model = get_peft_model(
        model,
        LoraConfig(
            task_type="CAUSAL_LM",
            r=LORA_R,
            lora_alpha=LORA_ALPHA,
            lora_dropout=0.0,
            target_modules="all-linear",
            modules_to_save=["embed_tokens", "lm_head"],
        ),
    )
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        [{"params": [p for p in params if p.ndim >= 2], "weight_decay": 0.0},
         {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}],
        lr=LEARNING_RATE,
    )  # fmt: skip
    scheduler = get_cosine_schedule_with_warmup(optimizer, warmup_steps(setup.steps), setup.steps)
    batch_size, losses, epoch, cpu = BATCH_SIZE, [], 0, torch.device("cpu")
    loop_started, loop_cpu = time.monotonic(), time.process_time()
    while len(losses) < setup.steps:
        generator = torch.Generator().manual_seed(setup.seed + epoch)
        order = torch.randperm(len(examples), generator=generator).tolist()
        for start in range(0, len(order), batch_size):
            if len(losses) == setup.steps:
                break
            batch = collate([examples[i] for i in order[start : start + batch_size]], 0, cpu)
            inputs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
            logits = model(**inputs, use_cache=False).logits
            labels = batch["labels"][:, 1:]
            total = F.cross_entropy(
                logits[:, :-1].flatten(0, 1), labels.flatten(), ignore_index=IGNORE, reduction="sum"
            )
            loss = total / (labels != IGNORE).sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(float(loss.detach()))
        epoch += 1
    model.save_pretrained(setup.workdir / "plain-final")
    ended = time.monotonic()
    return Result(
        name="plain",
        steps=setup.steps,
        train_seconds=ended - loop_started,
        train_cpu_seconds=time.process_time() - loop_cpu,
        total_seconds=ended - started,
        import_seconds=import_seconds,
        first_log_seconds=None,
        losses=losses,
        peak_rss_mb=peak_rss_mb(),
    )


def run_engine(setup: Setup) -> Result:
    """The engine as a worker runs it: ``train_job`` with an event callback."""
    imported = time.monotonic()
    from arkor.server.engine import train_job, warm_up

    warm_up()
    started = time.monotonic()
    times: dict[str, float] = {}
    cpu: dict[str, float] = {}
    losses: list[float] = []

    def emit(event_type: str, payload: dict) -> None:
        now = time.monotonic()
        cpu[event_type] = time.process_time()
        if event_type == "training.log" and "loss" in payload:
            losses.append(payload["loss"])
            times.setdefault("first_log", now)
        times[event_type] = now

    spec = {
        "jobId": "bench",
        "config": {
            "model": "arkor/tiny",
            "datasetSource": {"type": "upload", "id": "bench"},
            "maxSteps": setup.steps,
            "learningRate": LEARNING_RATE,
            "batchSize": BATCH_SIZE,
            "maxLength": MAX_LENGTH,
            "loraR": LORA_R,
            "loraAlpha": LORA_ALPHA,
            "warmupSteps": warmup_steps(setup.steps),
            "lrSchedulerType": "cosine",
            "optim": "adamw_torch",
        },
        "datasetFile": str(setup.data_file),
        "jobDir": str(setup.workdir / "engine-job"),
        "modelsDir": str(setup.models_dir),
        "seed": setup.seed,
    }
    train_job(spec, emit, lambda: False)
    return Result(
        name="engine",
        steps=setup.steps,
        train_seconds=times["training.completed"] - times["training.started"],
        train_cpu_seconds=cpu["training.completed"] - cpu["training.started"],
        total_seconds=times["training.completed"] - started,
        import_seconds=started - imported,
        first_log_seconds=times["first_log"] - started,
        losses=losses,
        peak_rss_mb=peak_rss_mb(),
    )


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seconds_between(start_iso: str | None, end_iso: str | None) -> float:
    from datetime import datetime

    assert start_iso and end_iso, "the backend sent no timestamps"
    start, end = (datetime.fromisoformat(t.replace("Z", "+00:00")) for t in (start_iso, end_iso))
    return (end - start).total_seconds()


def run_backend(setup: Setup) -> Result:
    """The product end to end: ``arkor server`` + the SDK over HTTP."""
    import requests

    data_dir = setup.workdir / "server-data"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (setup.workdir / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "arkor", "server", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/v1/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.05)
        # A fresh identity and project per server: each round starts its own backend.
        os.environ.update(HOME=str(setup.workdir / f"home-{port}"), ARKOR_CLOUD_API_URL=url)
        imported = time.monotonic()
        from arkor import Callbacks, create_trainer

        import_seconds = time.monotonic() - imported

        def train_once() -> tuple[Result, float]:
            seen: dict[str, Any] = {"losses": []}

            def on_log(ctx: Any) -> None:
                if ctx.loss is not None:
                    seen.setdefault("first_log", time.monotonic())
                    seen["losses"].append(ctx.loss)

            trainer = create_trainer(
                name="bench", model="arkor/tiny",
                dataset={"type": "file", "path": str(setup.data_file)},
                lora={"r": LORA_R, "alpha": LORA_ALPHA, "max_length": MAX_LENGTH},
                max_steps=setup.steps, learning_rate=LEARNING_RATE, batch_size=BATCH_SIZE,
                warmup_steps=warmup_steps(setup.steps), lr_scheduler_type="cosine",
                optim="adamw_torch", logging_steps=setup.logging_steps, save_steps=setup.steps,
                callbacks=Callbacks(on_log=on_log), project_dir=setup.workdir / f"project-{port}",
            )  # fmt: skip
            started = time.monotonic()
            result = trainer.wait()
            ended = time.monotonic()
            assert result.job.status == "completed", result.job.error
            train = _seconds_between(result.job.started_at, result.job.completed_at)
            return Result(
                name="backend", steps=setup.steps, train_seconds=train, train_cpu_seconds=None,
                total_seconds=ended - started, import_seconds=import_seconds,
                first_log_seconds=seen["first_log"] - started, losses=seen["losses"],
                peak_rss_mb=result.metrics["peakMemoryMb"],
            ), seen["first_log"] - started  # fmt: skip

        _, cold_first_log = train_once()
        time.sleep(15)  # let the server's next prewarmed worker finish its imports
        warm, _ = train_once()
        warm.note = f"cold first job (after server start): 1st log after {cold_first_log:.2f} s"
        return warm
    finally:
        server.terminate()
        server.wait(30)
        log.close()


VARIANTS: dict[str, Callable[[Setup], Result]] = {
    "plain": run_plain, "engine": run_engine, "backend": run_backend,
}


def run_in_child(name: str, setup: Setup) -> Result:
    """Run one variant in a fresh Python process and read back its :class:`Result`."""
    command = [sys.executable, __file__, "--child", name, "--steps", str(setup.steps),
               "--logging-steps", str(setup.logging_steps),
               "--workdir", str(setup.workdir), "--data-file", str(setup.data_file)]  # fmt: skip
    child = subprocess.run(command, capture_output=True, text=True)
    if child.returncode != 0:
        raise SystemExit(f"variant {name} failed ({child.returncode}):\n{child.stderr[-3000:]}")
    return Result(**json.loads(child.stdout.strip().splitlines()[-1]))


def write_data(path: Path, rows: int, seed: int) -> None:
    """The benchmark's dataset: synthetic support-ticket triage conversations."""
    from arkor.server.engine.demo_dataset import triage_rows

    path.write_text("".join(json.dumps(r) + "\n" for r in triage_rows(rows, seed=seed)))


def report(results: list[Result]) -> None:
    """Print one line per run, then each variant's best speed relative to ``plain``'s best."""
    columns = ("steps/s", "train s", "cpu s", "total s", "import s", "1st log s")
    print(f"{'variant':8} " + " ".join(f"{c:>9}" for c in columns)
          + f" {'loss first→final':>18} {'peak MB':>8}")  # fmt: skip
    for r in results:
        values = (r.steps_per_second, r.train_seconds, r.train_cpu_seconds, r.total_seconds,
                  r.import_seconds, r.first_log_seconds)  # fmt: skip
        cells = " ".join("        -" if v is None else f"{v:9.2f}" for v in values)
        losses = f"{r.losses[0]:.3f}→{r.losses[-1]:.3f}"
        print(f"{r.name:8} {cells} {losses:>18} {r.peak_rss_mb:8.0f}")
        if r.note:
            print(f"         {r.note}")
    best: dict[str, Result] = {}
    for r in results:  # the fastest run of each variant: the least disturbed by other load
        if r.name not in best or r.steps_per_second > best[r.name].steps_per_second:
            best[r.name] = r
    baseline = best.get("plain")
    for name, r in best.items():
        if baseline is not None and name != "plain":
            ratio = r.steps_per_second / baseline.steps_per_second
            if len(r.losses) == len(baseline.losses):
                drift = max(abs(a - b) for a, b in zip(r.losses, baseline.losses, strict=True))
                same = f"max loss difference {drift:.2e}"
            else:  # logged every N steps: compare where the curves end
                same = f"final loss {r.losses[-1]:.4f} vs plain {baseline.losses[-1]:.4f}"
            print(f"{name} / plain steps/s ratio (best runs): {ratio:.3f} ({same})")


def main() -> None:
    """Command line: run the variants (each in a child process) and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--rounds", type=int, default=3, help="runs of each variant, alternating")
    parser.add_argument("--logging-steps", type=int, default=10,
                        help="backend variant: a training.log event every N steps")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--data-file", type=Path)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup = Setup(args.workdir, args.data_file, args.workdir / "models", args.steps,
                      args.logging_steps)
        print(json.dumps(asdict(VARIANTS[args.child](setup))))
        return
    with tempfile.TemporaryDirectory(prefix="arkor-bench-") as tmp:
        workdir = Path(tmp)
        setup = Setup(workdir, workdir / "data.jsonl", workdir / "models", args.steps,
                      args.logging_steps)
        write_data(setup.data_file, args.rows, seed=1)
        per_epoch = math.ceil(args.rows / BATCH_SIZE)
        print(f"{args.steps} steps on {args.rows} rows, batch {BATCH_SIZE}, lr {LEARNING_RATE}, "
              f"seed {setup.seed}, {per_epoch} steps per epoch")  # fmt: skip
        names = args.variants.split(",") * args.rounds
        results = [run_in_child(name, setup) for name in names]
        report(results)


if __name__ == "__main__":
    main()
