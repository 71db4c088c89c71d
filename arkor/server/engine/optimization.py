"""What a job trains (LoRA adapters, maybe whole modules) and how: optimizer and LR schedule."""

from __future__ import annotations

from typing import Any

import torch
from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
from transformers import PreTrainedModel, get_scheduler

from arkor.server.engine.hyperparams import Hyperparameters, Schedule

# cosine_with_min_lr decays to this fraction of the peak learning rate.
MIN_LR_RATE = 0.1


def attach_lora(model: PreTrainedModel, hp: Hyperparameters) -> PeftModel:
    """``model`` wrapped with trainable LoRA adapters on every linear layer (and the
    ``modules_to_save`` trained in full); everything else is frozen."""
    if hp.load_in_4bit:
        model = prepare_model_for_kbit_training(model)
    config = LoraConfig(
        task_type="CAUSAL_LM",
        r=hp.lora_r,
        lora_alpha=hp.lora_alpha,
        lora_dropout=0.0,
        target_modules="all-linear",
        modules_to_save=list(hp.modules_to_save) or None,
    )
    peft_model = get_peft_model(model, config)
    peft_model.train()
    return peft_model


def trainable_parameters(model: torch.nn.Module) -> int:
    """How many parameters the optimizer updates."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def build_optimizer(model: torch.nn.Module, hp: Hyperparameters) -> torch.optim.Optimizer:
    """The optimizer named by ``hp.optim`` over the trainable parameters.

    Weight decay applies to matrices (LoRA factors, embeddings), not to biases or norms.
    """
    trainable = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in trainable if p.ndim >= 2], "weight_decay": hp.weight_decay},
        {"params": [p for p in trainable if p.ndim < 2], "weight_decay": 0.0},
    ]
    groups = [g for g in groups if g["params"]]
    lr = hp.learning_rate
    name = hp.optim
    if name in ("adamw_torch", "adamw"):
        return torch.optim.AdamW(groups, lr=lr)
    if name == "adam":
        return torch.optim.Adam(groups, lr=lr)
    if name == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=0.9)
    if name == "adagrad":
        return torch.optim.Adagrad(groups, lr=lr)
    if name == "rmsprop":
        return torch.optim.RMSprop(groups, lr=lr)
    if name == "adafactor":
        from transformers.optimization import Adafactor

        return Adafactor(groups, lr=lr, scale_parameter=False, relative_step=False)
    return _eight_bit_optimizer(name, groups, lr)


def _eight_bit_optimizer(name: str, groups: list[dict[str, Any]], lr: float) -> Any:
    import bitsandbytes as bnb  # CUDA only; Hyperparameters.check_device guarantees it is there

    if name == "paged_adamw_8bit":
        return bnb.optim.PagedAdamW8bit(groups, lr=lr)
    return bnb.optim.AdamW8bit(groups, lr=lr)


def build_scheduler(
    optimizer: torch.optim.Optimizer, hp: Hyperparameters, schedule: Schedule
) -> torch.optim.lr_scheduler.LRScheduler:
    """The learning-rate schedule named by ``hp.lr_scheduler``, with linear warmup."""
    name = hp.lr_scheduler
    if name == "constant" and schedule.warmup_steps:
        name = "constant_with_warmup"  # an explicit warmupSteps is honoured
    extra = {"min_lr_rate": MIN_LR_RATE} if name == "cosine_with_min_lr" else None
    return get_scheduler(
        name,
        optimizer,
        num_warmup_steps=schedule.warmup_steps,
        num_training_steps=schedule.total_steps,
        scheduler_specific_kwargs=extra,
    )
