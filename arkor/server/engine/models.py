"""Loading base models and tokenizers: Hugging Face ids, local folders and ``arkor/tiny``.

Hub ids go through ``from_pretrained`` with the standard Hugging Face cache
(``HF_HOME`` / ``HF_HUB_CACHE``) and honour ``HF_HUB_OFFLINE``; a local folder is
loaded as it is; ``arkor/tiny`` is built under ``modelsDir`` on first use. A
model that cannot be found raises :class:`ModelLoadError` naming it.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel
from transformers.tokenization_utils_base import PreTrainedTokenizerBase
from transformers.utils import logging as transformers_logging

from arkor.server.engine.errors import ModelLoadError
from arkor.server.engine.tiny import is_tiny, tiny_model_dir

# Progress bars only clutter worker logs, and so does a deprecation warning that peft
# triggers inside transformers on every adapter it wraps or loads (not ours to fix).
transformers_logging.disable_progress_bar()
warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing", category=FutureWarning)

# For models without a chat template; each turn ends with the model's own EOS token,
# so generation stops where training taught it to.
FALLBACK_CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "### {{ message['role'] | capitalize }}\n{{ message['content'] }}{{ eos_token }}\n"
    "{% endfor -%}"
    "{%- if add_generation_prompt -%}### Assistant\n{% endif -%}"
)


@dataclass
class Precision:
    """How a model's weights are held and how its forward pass runs on a device."""

    weights: torch.dtype
    autocast: torch.dtype | None  # None: no autocast


def pick_device() -> torch.device:
    """CUDA when a GPU is visible, else the CPU."""
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def pick_precision(model_id: str, device: torch.device) -> Precision:
    """float32 on CPU (bf16 is slower there) and for ``arkor/tiny``; bf16 on CUDA when supported."""
    if device.type != "cuda" or is_tiny(model_id) or not torch.cuda.is_bf16_supported():
        return Precision(torch.float32, None)
    return Precision(torch.bfloat16, torch.bfloat16)


def model_source(model_id: str, models_dir: str | Path) -> str:
    """Where ``from_pretrained`` reads ``model_id`` from: an absolute folder, or a hub id."""
    if is_tiny(model_id):
        return str(tiny_model_dir(models_dir))
    local = Path(model_id).expanduser()
    return str(local.resolve()) if local.is_dir() else model_id


def _load_failure(model_id: str, what: str, exc: Exception) -> ModelLoadError:
    if Path(model_id).expanduser().is_absolute() or model_id.startswith("."):
        hint = "the folder does not exist or holds no Hugging Face model"
    elif os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        hint = "it is not in the local Hugging Face cache and HF_HUB_OFFLINE is set"
    else:
        hint = "it is neither a local folder nor a model the Hugging Face hub could provide"
    return ModelLoadError(f"model {model_id!r}: cannot load its {what} ({hint}): {exc}")


def load_tokenizer(model_id: str, source: str) -> PreTrainedTokenizerBase:
    """The tokenizer of ``model_id`` read from ``source``, with a chat template and a pad token."""
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
    except (OSError, ValueError) as exc:
        raise _load_failure(model_id, "tokenizer", exc) from exc
    if not tokenizer.chat_template:
        if tokenizer.eos_token is None:
            raise ModelLoadError(
                f"model {model_id!r} has neither a chat template nor an end-of-sequence token, "
                "so chat conversations cannot be rendered for it"
            )
        tokenizer.chat_template = FALLBACK_CHAT_TEMPLATE
    if tokenizer.pad_token_id is None:
        # Padding is masked out of attention and loss, so any real token will do.
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.convert_ids_to_tokens(0)
    return tokenizer


def load_model(
    model_id: str,
    source: str,
    device: torch.device,
    *,
    load_in_4bit: bool = False,
) -> PreTrainedModel:
    """The causal LM ``model_id`` read from ``source`` onto ``device``, in eval mode."""
    precision = pick_precision(model_id, device)
    kwargs: dict[str, Any] = {"dtype": precision.weights}
    if load_in_4bit:
        kwargs.update(quantization_config=four_bit_config(precision.weights), device_map={"": 0})
    try:
        model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    except (OSError, ValueError) as exc:
        raise _load_failure(model_id, "weights", exc) from exc
    if not load_in_4bit:
        model.to(device)
    # peft records this in adapter_config.json as the adapter's base model.
    model.name_or_path = model_id if is_tiny(model_id) else source
    model.eval()
    return model


def four_bit_config(compute_dtype: torch.dtype) -> Any:
    """The bitsandbytes NF4 quantization config used for ``loadIn4bit``."""
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute_dtype,
    )


def stop_token_ids(tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel) -> frozenset[int]:
    """Token ids that end an assistant turn: the tokenizer's EOS and the model's generation EOS."""
    ids: set[int] = set()
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    configured = getattr(model.generation_config, "eos_token_id", None)
    if isinstance(configured, int):
        ids.add(configured)
    elif configured:
        ids.update(int(i) for i in configured)
    return frozenset(ids)


def context_length(model: PreTrainedModel) -> int | None:
    """The longest sequence the model can attend over, when its config says."""
    value = getattr(model.config, "max_position_embeddings", None)
    return int(value) if isinstance(value, int) and value > 0 else None
