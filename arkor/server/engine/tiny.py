"""``arkor/tiny``: a small Llama-style model the backend builds itself. A demo and test model.

It exists so that the whole pipeline (training, checkpoints, chat) runs
offline in seconds on a CPU: it is randomly initialised, knows no language,
and learns only what a fine-tune teaches it (e.g. answering a ticket with a
JSON record). Do not expect it to be useful beyond demos and tests.

What it is: hidden size 128, 2 layers, 4 attention heads / 2 key-value heads,
MLP 512, untied input and output embeddings (about 0.75 M parameters), and a
byte-level BPE tokenizer of 1024 tokens trained on ``tiny_corpus.txt`` (written
by ``scripts/build_tiny_corpus.py``), so any text is representable. Its chat
template wraps each turn as ``<|role|>\\ncontent<|end|>\\n``.

The build is deterministic (fixed seed, fixed corpus) and cached under
``<modelsDir>/arkor-tiny/`` as a normal ``save_pretrained`` folder. It is built
in a temporary folder and renamed into place, so processes that race to build
it all end up using one complete copy.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from arkor.server.engine.names import TINY_MODEL_ID

TINY_DIR_NAME = "arkor-tiny"
CORPUS = Path(__file__).with_name("tiny_corpus.txt")
VOCAB_SIZE = 1024
CONTEXT_LENGTH = 1024
BUILD_SEED = 0
PAD, END = "<|pad|>", "<|end|>"
ROLE_TOKENS = ("<|system|>", "<|user|>", "<|assistant|>", "<|tool|>")
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "<|{{ message['role'] }}|>\n{{ message['content'] }}<|end|>\n"
    "{% endfor -%}"
    "{%- if add_generation_prompt -%}<|assistant|>\n{% endif -%}"
)


def is_tiny(model_id: str) -> bool:
    """Whether ``model_id`` names the built-in tiny model."""
    return model_id == TINY_MODEL_ID


def build_tokenizer() -> PreTrainedTokenizerFast:
    """The tiny model's tokenizer, trained from the shipped corpus (deterministic)."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    # Offsets must keep the exact characters: masks map assistant text to tokens by offset.
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        min_frequency=2,
        special_tokens=[PAD, END, *ROLE_TOKENS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train([str(CORPUS)], trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token=END,
        pad_token=PAD,
        chat_template=CHAT_TEMPLATE,
        model_max_length=CONTEXT_LENGTH,
    )


def build_model(tokenizer: PreTrainedTokenizerFast) -> LlamaForCausalLM:
    """A freshly initialised tiny Llama sized for ``tokenizer`` (same weights every time)."""
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=128,
        intermediate_size=512,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=CONTEXT_LENGTH,
        tie_word_embeddings=False,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):  # leave the caller's random state alone
        model = LlamaForCausalLM(config)
    # Re-initialise from a private generator: the global one is shared by threads.
    generator = torch.Generator().manual_seed(BUILD_SEED)
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.ndim >= 2:
                parameter.normal_(0.0, config.initializer_range, generator=generator)
            else:
                parameter.fill_(1.0)  # RMSNorm scales
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model


def save_tiny_model(folder: Path) -> None:
    """Build the tiny model and tokenizer and ``save_pretrained`` both into ``folder``."""
    tokenizer = build_tokenizer()
    model = build_model(tokenizer)
    model.config.name_or_path = TINY_MODEL_ID
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def tiny_model_dir(models_dir: str | Path) -> Path:
    """The folder of the built tiny model under ``models_dir``, building it when missing."""
    models_dir = Path(models_dir)
    target = models_dir / TINY_DIR_NAME
    if (target / "config.json").is_file():
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{TINY_DIR_NAME}-", dir=models_dir))
    try:
        save_tiny_model(building)
        try:
            os.rename(building, target)
        except OSError:
            if not (target / "config.json").is_file():
                raise  # not a lost race: something else is in the way
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target
