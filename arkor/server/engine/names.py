"""Names the engine accepts, for checking a job config without importing torch.

The server validates ``optim`` and ``lrSchedulerType`` against these at
``POST /v1/jobs``; the engine builds exactly these and refuses anything else.
"""

from __future__ import annotations

TINY_MODEL_ID = "arkor/tiny"

# adamw_torch (the default) and adamw are the same torch AdamW; adam is torch Adam
# (weight decay as L2); sgd uses momentum 0.9; adafactor is transformers' Adafactor
# with a fixed learning rate. The 8-bit ones need a CUDA device and bitsandbytes.
OPTIMIZERS = (
    "adamw_torch",
    "adamw",
    "adam",
    "sgd",
    "adagrad",
    "rmsprop",
    "adafactor",
    "adamw_8bit",
    "paged_adamw_8bit",
)
CUDA_ONLY_OPTIMIZERS = frozenset({"adamw_8bit", "paged_adamw_8bit"})
DEFAULT_OPTIMIZER = "adamw_torch"

# Learning-rate schedules, all with linear warmup over ``warmupSteps``
# (built by ``transformers.get_scheduler``; cosine_with_min_lr decays to 10%).
LR_SCHEDULERS = (
    "linear",
    "cosine",
    "cosine_with_restarts",
    "cosine_with_min_lr",
    "polynomial",
    "constant",
    "constant_with_warmup",
    "inverse_sqrt",
)
DEFAULT_LR_SCHEDULER = "cosine"


def check_optimizer(name: str) -> str | None:
    """Why ``name`` is not an optimizer the engine builds, or ``None`` when it is."""
    if name in OPTIMIZERS:
        return None
    return f"optim must be one of {', '.join(OPTIMIZERS)} (got {name!r})"


def check_lr_scheduler(name: str) -> str | None:
    """Why ``name`` is not a schedule the engine builds, or ``None`` when it is."""
    if name in LR_SCHEDULERS:
        return None
    return f"lrSchedulerType must be one of {', '.join(LR_SCHEDULERS)} (got {name!r})"
