"""A job's hyperparameters: the ``JobConfig`` fields with the engine's defaults filled in.

Defaults depend on the model, because a randomly initialised ``arkor/tiny``
and a pretrained model want very different settings:

==================  ===============================  ============================
field               ``arkor/tiny``                   pretrained models
==================  ===============================  ============================
learningRate        3e-3                             2e-4
batchSize           8                                4
maxLength           512                              1024
steps               maxSteps 150                     numTrainEpochs 1
weightDecay         0                                0.01
trained modules     LoRA on every linear layer,      LoRA on every linear layer
                    plus full embeddings & lm_head
==================  ===============================  ============================

Shared defaults: loraR 16, loraAlpha 2 × loraR, optim ``adamw_torch``,
lrSchedulerType ``cosine``, warmupSteps 5% of the steps (0 for ``constant``),
trainOnResponsesOnly on, gradient clipping at norm 1. Cadence: loggingSteps
makes about 200 log events at most (every step up to 200 steps), saveSteps a
checkpoint every quarter of the run, evalSteps (when there is an eval split)
the same as saveSteps; the last step is always logged and, with an eval split,
evaluated. ``maxSteps`` wins over ``numTrainEpochs``. ``dryRun`` keeps
``batchSize × 2`` training rows and 8 eval rows, runs 2 steps and saves one
checkpoint (at the last step) and the final adapter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from arkor.server.engine.errors import TrainingError
from arkor.server.engine.names import (
    CUDA_ONLY_OPTIMIZERS,
    DEFAULT_LR_SCHEDULER,
    DEFAULT_OPTIMIZER,
    check_lr_scheduler,
    check_optimizer,
)
from arkor.server.engine.tiny import is_tiny

TINY_DEFAULTS: dict[str, Any] = {
    "learningRate": 3e-3,
    "batchSize": 8,
    "maxLength": 512,
    "maxSteps": 150,
    "weightDecay": 0.0,
}
PRETRAINED_DEFAULTS: dict[str, Any] = {
    "learningRate": 2e-4,
    "batchSize": 4,
    "maxLength": 1024,
    "numTrainEpochs": 1.0,
    "weightDecay": 0.01,
}
DEFAULT_LORA_R = 16
WARMUP_FRACTION = 0.05
MAX_LOG_EVENTS = 200
CHECKPOINTS_PER_RUN = 4
DRY_RUN_STEPS = 2
DRY_RUN_EVAL_ROWS = 8
MAX_GRAD_NORM = 1.0
# A random-init base learns little through LoRA alone: train its embeddings and head too.
TINY_FULLY_TRAINED = ("embed_tokens", "lm_head")


@dataclass(frozen=True)
class Schedule:
    """How many steps a job runs and when it logs, evaluates and saves."""

    total_steps: int
    steps_per_epoch: int
    warmup_steps: int
    logging_steps: int
    save_steps: int
    eval_steps: int | None  # None: no eval split

    def logs_at(self, step: int) -> bool:
        """Whether ``step`` emits its training loss."""
        return step % self.logging_steps == 0 or step == self.total_steps

    def evaluates_at(self, step: int) -> bool:
        """Whether ``step`` computes the eval loss."""
        if self.eval_steps is None:
            return False
        return step % self.eval_steps == 0 or step == self.total_steps

    def saves_at(self, step: int) -> bool:
        """Whether ``step`` saves a checkpoint."""
        return step % self.save_steps == 0


@dataclass(frozen=True)
class Hyperparameters:
    """Every setting of a training job, defaults applied."""

    model: str
    lora_r: int
    lora_alpha: int
    modules_to_save: tuple[str, ...]
    max_length: int
    load_in_4bit: bool
    learning_rate: float
    weight_decay: float
    optim: str
    lr_scheduler: str
    batch_size: int
    max_steps: int | None
    num_train_epochs: float | None
    warmup_steps: int | None
    logging_steps: int | None
    save_steps: int | None
    eval_steps: int | None
    responses_only: bool
    dry_run: bool

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Hyperparameters:
        """The hyperparameters of a ``JobConfig`` (camelCase); unknown names raise."""
        model = str(config["model"])
        defaults = TINY_DEFAULTS if is_tiny(model) else PRETRAINED_DEFAULTS

        def value(key: str) -> Any:
            given = config.get(key)
            return defaults.get(key) if given is None else given

        optim = config.get("optim") or DEFAULT_OPTIMIZER
        scheduler = config.get("lrSchedulerType") or DEFAULT_LR_SCHEDULER
        for problem in (check_optimizer(optim), check_lr_scheduler(scheduler)):
            if problem:
                raise TrainingError(problem)
        if config.get("maxSteps") is not None:
            max_steps, epochs = int(config["maxSteps"]), None
        elif config.get("numTrainEpochs") is not None:
            max_steps, epochs = None, float(config["numTrainEpochs"])
        else:
            max_steps, epochs = defaults.get("maxSteps"), defaults.get("numTrainEpochs")
        lora_r = int(config.get("loraR") or DEFAULT_LORA_R)
        return cls(
            model=model,
            lora_r=lora_r,
            lora_alpha=int(config.get("loraAlpha") or 2 * lora_r),
            modules_to_save=TINY_FULLY_TRAINED if is_tiny(model) else (),
            max_length=int(value("maxLength")),
            load_in_4bit=bool(config.get("loadIn4bit")),
            learning_rate=float(value("learningRate")),
            weight_decay=float(value("weightDecay")),
            optim=optim,
            lr_scheduler=scheduler,
            batch_size=int(value("batchSize")),
            max_steps=max_steps,
            num_train_epochs=epochs,
            warmup_steps=config.get("warmupSteps"),
            logging_steps=config.get("loggingSteps"),
            save_steps=config.get("saveSteps"),
            eval_steps=config.get("evalSteps"),
            responses_only=config.get("trainOnResponsesOnly") is not False,
            dry_run=bool(config.get("dryRun")),
        )

    def check_device(self, device_type: str, has_bitsandbytes: bool) -> None:
        """Refuse settings this device cannot run (4-bit loading, 8-bit optimizers)."""
        if self.load_in_4bit and device_type != "cuda":
            raise TrainingError(
                "loadIn4bit needs a CUDA device (QLoRA through bitsandbytes); this backend trains "
                "on the CPU: remove loadIn4bit to train the model in full precision"
            )
        if self.optim in CUDA_ONLY_OPTIMIZERS and device_type != "cuda":
            raise TrainingError(
                f"optim {self.optim} needs a CUDA device and bitsandbytes; on a CPU use adamw_torch"
            )
        if (self.load_in_4bit or self.optim in CUDA_ONLY_OPTIMIZERS) and not has_bitsandbytes:
            raise TrainingError(
                "loadIn4bit and the 8-bit optimizers need the bitsandbytes package: "
                "pip install bitsandbytes"
            )

    def schedule(self, train_rows: int, has_eval: bool) -> Schedule:
        """When each thing happens, for ``train_rows`` training examples."""
        steps_per_epoch = math.ceil(train_rows / self.batch_size)
        if self.max_steps is not None:
            total = self.max_steps
        else:
            total = max(1, math.ceil((self.num_train_epochs or 1.0) * steps_per_epoch))
        if self.dry_run:
            total = min(total, DRY_RUN_STEPS)
        if self.warmup_steps is not None:
            warmup = self.warmup_steps
        elif self.lr_scheduler == "constant":
            warmup = 0
        else:
            warmup = round(total * WARMUP_FRACTION)
        save = self.save_steps or max(1, math.ceil(total / CHECKPOINTS_PER_RUN))
        if self.dry_run:
            save = total
        if self.eval_steps is not None and not has_eval:
            raise TrainingError(
                "evalSteps needs eval data: set datasetSplit.evalFraction (or a named eval split)"
            )
        return Schedule(
            total_steps=total,
            steps_per_epoch=steps_per_epoch,
            warmup_steps=warmup,
            logging_steps=self.logging_steps or max(1, math.ceil(total / MAX_LOG_EVENTS)),
            save_steps=save,
            eval_steps=(self.eval_steps or save) if has_eval else None,
        )
