"""One training job end to end: :func:`train_job` (the contract is in the package docstring).

A hand-written torch + peft loop: on this scale it is as fast as the
Hugging Face Trainer and leaner. The loss of a step is the mean over the
batch's target tokens. Events: ``training.started`` once everything is loaded,
``training.log`` on logging and eval steps, ``checkpoint.saved`` on save steps,
then ``training.completed`` (or ``training.cancelled`` as soon as
``should_stop()`` is true after an optimizer step).
"""

from __future__ import annotations

import contextlib
import importlib.util
import resource
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from arkor.server.engine import artifacts
from arkor.server.engine.data import Conversations, load_conversations
from arkor.server.engine.encoding import IGNORE, Encoded, Example, collate, encode
from arkor.server.engine.errors import TrainingError
from arkor.server.engine.hyperparams import (
    DRY_RUN_EVAL_ROWS,
    DRY_RUN_STEPS,
    MAX_GRAD_NORM,
    Hyperparameters,
    Schedule,
)
from arkor.server.engine.models import (
    load_model,
    load_tokenizer,
    model_source,
    pick_device,
    pick_precision,
    stop_token_ids,
)
from arkor.server.engine.optimization import (
    attach_lora,
    build_optimizer,
    build_scheduler,
    trainable_parameters,
)
from arkor.server.engine.tiny import is_tiny

Emit = Callable[[str, dict[str, Any]], None]


def train_job(spec: dict[str, Any], emit: Emit, should_stop: Callable[[], bool]) -> None:
    """Train the job described by ``spec``, reporting every event through ``emit``.

    Raises :class:`TrainingError` (before any step when possible) for a problem
    the user can fix: a bad config value, dataset row, model id or device.
    """
    run = TrainingRun.prepare(spec)
    run.train(emit, should_stop)


def token_loss(
    model: torch.nn.Module, batch: dict[str, torch.Tensor], autocast: torch.dtype | None
) -> tuple[torch.Tensor, int]:
    """The summed cross-entropy over the batch's target tokens, and how many there are."""
    context = (
        torch.autocast(batch["input_ids"].device.type, dtype=autocast)
        if autocast
        else contextlib.nullcontext()
    )
    with context:
        logits = model(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], use_cache=False
        ).logits
    labels = batch["labels"][:, 1:]
    total = F.cross_entropy(
        logits[:, :-1].flatten(0, 1).float(),
        labels.flatten(),
        ignore_index=IGNORE,
        reduction="sum",
    )
    return total, int((labels != IGNORE).sum())


@dataclass
class _Window:
    """Training steps since the last log: their losses, samples and compute time."""

    losses: list[float] = field(default_factory=list)
    samples: int = 0
    seconds: float = 0.0

    def add(self, loss: float, samples: int, seconds: float) -> None:
        """Count one more step."""
        self.losses.append(loss)
        self.samples += samples
        self.seconds += seconds


@dataclass
class TrainingRun:
    """A job with its model, data and optimizer ready: what :func:`train_job` runs."""

    hp: Hyperparameters
    schedule: Schedule
    job_dir: Path
    seed: int
    device: torch.device
    model: Any  # a peft model
    tokenizer: Any
    optimizer: torch.optim.Optimizer
    scheduler: Any
    train_set: Encoded
    eval_set: Encoded
    base_copy: Path | None
    metadata: dict[str, Any]

    @classmethod
    def prepare(cls, spec: dict[str, Any]) -> TrainingRun:
        """Check the config, load the data and the model, and build the optimizer."""
        started = time.monotonic()
        config = spec["config"]
        job_dir = Path(spec["jobDir"])
        seed = int(spec.get("seed") or 0)
        hp = Hyperparameters.from_config(config)
        device = pick_device()
        hp.check_device(device.type, importlib.util.find_spec("bitsandbytes") is not None)
        source = model_source(hp.model, spec["modelsDir"])
        tokenizer = load_tokenizer(hp.model, source)
        data = load_conversations(config, spec.get("datasetFile"), seed)
        dataset_rows = len(data.train) + len(data.eval)
        if hp.dry_run:
            data = Conversations(
                data.train[: hp.batch_size * DRY_RUN_STEPS], data.eval[:DRY_RUN_EVAL_ROWS]
            )
        model = load_model(hp.model, source, device, load_in_4bit=hp.load_in_4bit)
        options = {
            "max_length": hp.max_length,
            "responses_only": hp.responses_only,
            "stop_ids": stop_token_ids(tokenizer, model),
        }
        train_set = encode(tokenizer, data.train, **options)
        eval_set = encode(tokenizer, data.eval, **options) if data.eval else Encoded([], 0, 0)
        if not train_set.examples:
            raise TrainingError(
                f"no training row keeps an assistant token within maxLength {hp.max_length}: "
                "raise maxLength"
            )
        schedule = hp.schedule(len(train_set.examples), bool(eval_set.examples))
        job_dir.mkdir(parents=True, exist_ok=True)
        base_copy = artifacts.save_base_copy(Path(source), job_dir) if is_tiny(hp.model) else None
        base_parameters = sum(p.numel() for p in model.parameters())
        torch.manual_seed(seed)  # LoRA initialisation
        peft_model = attach_lora(model, hp)
        optimizer = build_optimizer(peft_model, hp)
        run = cls(
            hp=hp,
            schedule=schedule,
            job_dir=job_dir,
            seed=seed,
            device=device,
            model=peft_model,
            tokenizer=tokenizer,
            optimizer=optimizer,
            scheduler=build_scheduler(optimizer, hp, schedule),
            train_set=train_set,
            eval_set=eval_set,
            base_copy=base_copy,
            metadata={},
        )
        run.metadata = run.describe(base_parameters, dataset_rows, time.monotonic() - started)
        return run

    def describe(
        self, base_parameters: int, dataset_rows: int, prepare_seconds: float
    ) -> dict[str, Any]:
        """The ``training.started`` metadata: backend facts and the settings in effect."""
        hp, schedule = self.hp, self.schedule
        device = self.device.type
        if device == "cuda":
            device = f"cuda ({torch.cuda.get_device_name(self.device)})"
        return {
            "device": device,
            "threads": torch.get_num_threads(),
            "model": hp.model,
            "dtype": str(pick_precision(hp.model, self.device).weights).removeprefix("torch."),
            "datasetRows": dataset_rows,
            "rows": len(self.train_set.examples),
            "evalRows": len(self.eval_set.examples),
            "truncatedRows": self.train_set.truncated + self.eval_set.truncated,
            "droppedRows": self.train_set.dropped + self.eval_set.dropped,
            "targetTokens": sum(e.targets for e in self.train_set.examples),
            "totalSteps": schedule.total_steps,
            "stepsPerEpoch": schedule.steps_per_epoch,
            "epochs": round(schedule.total_steps / schedule.steps_per_epoch, 4),
            "batchSize": hp.batch_size,
            "maxLength": hp.max_length,
            "learningRate": hp.learning_rate,
            "lrSchedulerType": hp.lr_scheduler,
            "warmupSteps": schedule.warmup_steps,
            "weightDecay": hp.weight_decay,
            "optim": hp.optim,
            "loraR": hp.lora_r,
            "loraAlpha": hp.lora_alpha,
            "fullyTrainedModules": list(hp.modules_to_save),
            "loggingSteps": schedule.logging_steps,
            "saveSteps": schedule.save_steps,
            "evalSteps": schedule.eval_steps,
            "trainOnResponsesOnly": hp.responses_only,
            "loadIn4bit": hp.load_in_4bit,
            "dryRun": hp.dry_run,
            "seed": self.seed,
            "trainableParameters": trainable_parameters(self.model),
            "baseParameters": base_parameters,
            "prepareSeconds": round(prepare_seconds, 3),
        }

    def train(self, emit: Emit, should_stop: Callable[[], bool]) -> None:
        """Run every step, emitting the job's events; stops early when ``should_stop()``."""
        emit("training.started", {"metadata": self.metadata})
        if should_stop():
            emit("training.cancelled", {"step": 0})
            return
        started = time.monotonic()
        window = _Window()
        batches = self._batches()
        total_samples, compute_seconds = 0, 0.0
        last_loss: float | None = None
        eval_loss: float | None = None
        for step in range(1, self.schedule.total_steps + 1):
            examples = next(batches)
            step_started = time.monotonic()
            loss, learning_rate = self._optimizer_step(examples)
            seconds = time.monotonic() - step_started
            window.add(loss, len(examples), seconds)
            total_samples += len(examples)
            compute_seconds += seconds
            record: dict[str, Any] = {"step": step, "epoch": self._epoch(step)}
            if self.schedule.logs_at(step):
                last_loss = sum(window.losses) / len(window.losses)
                record.update(
                    loss=round(last_loss, 6),
                    learningRate=learning_rate,
                    samplesPerSecond=round(window.samples / window.seconds, 3),
                )
                window = _Window()
            if should_stop():
                if "loss" in record:
                    emit("training.log", record)
                emit("training.cancelled", {"step": step})
                return
            if self.schedule.evaluates_at(step):
                eval_loss = self.evaluate()
                record["evalLoss"] = round(eval_loss, 6)
            if len(record) > 2:
                emit("training.log", record)
            if self.schedule.saves_at(step):
                folder = artifacts.checkpoint_folder(self.job_dir, step)
                artifacts.save_adapter(self.model, self.tokenizer, folder)
                artifacts_list = artifacts.folder_artifacts(self.job_dir, folder)
                emit("checkpoint.saved", {"step": step, "artifacts": artifacts_list})
        runtime = time.monotonic() - started
        self._complete(emit, last_loss, eval_loss, runtime, total_samples, compute_seconds)

    def _complete(
        self,
        emit: Emit,
        final_loss: float | None,
        eval_loss: float | None,
        runtime: float,
        samples: int,
        compute_seconds: float,
    ) -> None:
        final = self.job_dir / artifacts.FINAL
        artifacts.save_adapter(self.model, self.tokenizer, final)
        files = artifacts.folder_artifacts(self.job_dir, final)
        if self.base_copy is not None:
            files += artifacts.folder_artifacts(self.job_dir, self.base_copy)
        steps = self.schedule.total_steps
        metrics: dict[str, Any] = {
            "finalLoss": None if final_loss is None else round(final_loss, 6),
            "steps": steps,
            "epoch": self._epoch(steps),
            "trainRuntimeSeconds": round(runtime, 3),
            "samplesPerSecond": round(samples / compute_seconds, 3) if compute_seconds else None,
            "stepsPerSecond": round(steps / runtime, 3) if runtime else None,
            "trainableParameters": self.metadata["trainableParameters"],
            # Linux reports KiB: the worker process's peak resident memory so far.
            "peakMemoryMb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        if eval_loss is not None:
            metrics["evalLoss"] = round(eval_loss, 6)
        emit("training.completed", {"metrics": metrics, "artifacts": files})

    def _epoch(self, step: int) -> float:
        return round(step / self.schedule.steps_per_epoch, 4)

    def _batches(self) -> Iterator[list[Example]]:
        """Batches in a seeded random order, epoch after epoch."""
        examples = self.train_set.examples
        epoch = 0
        while True:
            order = torch.randperm(
                len(examples), generator=torch.Generator().manual_seed(self.seed + epoch)
            ).tolist()
            for start in range(0, len(order), self.hp.batch_size):
                yield [examples[i] for i in order[start : start + self.hp.batch_size]]
            epoch += 1

    def _optimizer_step(self, examples: list[Example]) -> tuple[float, float]:
        """One forward/backward/update; returns the step's loss and the learning rate it used."""
        batch = collate(examples, self.tokenizer.pad_token_id, self.device)
        total, count = token_loss(self.model, batch, self._autocast)
        loss = total / count
        loss.backward()
        torch.nn.utils.clip_grad_norm_(
            [p for p in self.model.parameters() if p.requires_grad], MAX_GRAD_NORM
        )
        learning_rate = float(self.scheduler.get_last_lr()[0])
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(loss.detach()), learning_rate

    @property
    def _autocast(self) -> torch.dtype | None:
        return pick_precision(self.hp.model, self.device).autocast

    def evaluate(self) -> float:
        """The mean loss over every target token of the eval split."""
        self.model.eval()
        total, count = 0.0, 0
        examples = self.eval_set.examples
        with torch.inference_mode():
            for start in range(0, len(examples), self.hp.batch_size):
                chunk = examples[start : start + self.hp.batch_size]
                batch = collate(chunk, self.tokenizer.pad_token_id, self.device)
                batch_total, batch_count = token_loss(self.model, batch, self._autocast)
                total += float(batch_total)
                count += batch_count
        self.model.train()
        return total / count
