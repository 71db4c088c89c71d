"""Chat inference with base models and trained adapters, streamed token by token.

A target is ``{"baseModel": id}`` (any model :mod:`models` loads) or
``{"adapterDir": path}`` (a ``final/`` or ``checkpoints/step-N/`` folder; its
base is the job's ``base-model/`` copy when there is one, else the model id in
its ``adapter_config.json``). Adapters are merged into their base once loaded.
Loaded models are kept in a small LRU cache. Sampling is seeded, so the same
request gives the same reply; temperature 0 (or none) decodes greedily.
"""

from __future__ import annotations

import inspect
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from peft import PeftModel

from arkor.server.engine import artifacts
from arkor.server.engine.errors import InferenceError
from arkor.server.engine.models import (
    context_length,
    load_model,
    load_tokenizer,
    model_source,
    pick_device,
    stop_token_ids,
)

DEFAULT_MAX_TOKENS = 512
DEFAULT_SEED = 0


@dataclass
class ChatModel:
    """A model ready to chat: weights, tokenizer and where a reply must stop."""

    model: Any
    tokenizer: Any
    device: torch.device
    stop_ids: frozenset[int]
    context: int | None
    cache_argument: str  # "cache" (transformers >= 5.x) or "past_key_values"


class ChatStream:
    """The text deltas of one reply, produced as the tokens are generated.

    Once exhausted, ``usage`` is ``{"promptTokens", "completionTokens"}`` and
    ``finish_reason`` is ``"stop"`` (the model ended its turn) or ``"length"``
    (``max_tokens`` or the model's context was reached).
    """

    def __init__(
        self,
        chat_model: ChatModel,
        prompt_ids: list[int],
        *,
        max_tokens: int,
        temperature: float | None,
        top_p: float | None,
        seed: int,
    ) -> None:
        self.usage: dict[str, int] | None = None
        self.finish_reason: str | None = None
        self._deltas = self._generate(chat_model, prompt_ids, max_tokens, temperature, top_p, seed)

    def __iter__(self) -> ChatStream:
        return self

    def __next__(self) -> str:
        return next(self._deltas)

    def text(self) -> str:
        """The rest of the reply as one string."""
        return "".join(self)

    def _generate(
        self,
        chat: ChatModel,
        prompt_ids: list[int],
        max_tokens: int,
        temperature: float | None,
        top_p: float | None,
        seed: int,
    ) -> Iterator[str]:
        generator = torch.Generator(device=chat.device).manual_seed(seed)
        generated: list[int] = []
        shown = ""
        finish = "length"
        next_input = torch.tensor([prompt_ids], device=chat.device)
        cache = None
        while len(generated) < max_tokens:
            with torch.inference_mode():
                output = chat.model(
                    input_ids=next_input, use_cache=True, **{chat.cache_argument: cache}
                )
            cache = output[chat.cache_argument]
            token = _pick(output.logits[0, -1], temperature, top_p, generator)
            if token in chat.stop_ids:
                finish = "stop"
                break
            generated.append(token)
            text = chat.tokenizer.decode(generated, skip_special_tokens=True)
            # A trailing U+FFFD is a character whose bytes are not all generated yet.
            if not text.endswith("\ufffd") and len(text) > len(shown):
                yield text[len(shown) :]
                shown = text
            next_input = torch.tensor([[token]], device=chat.device)
        text = chat.tokenizer.decode(generated, skip_special_tokens=True)
        if len(text) > len(shown):
            yield text[len(shown) :]
        self.finish_reason = finish
        self.usage = {"promptTokens": len(prompt_ids), "completionTokens": len(generated)}


def _pick(
    logits: torch.Tensor, temperature: float | None, top_p: float | None, generator: torch.Generator
) -> int:
    """The next token: greedy without temperature, else sampled (nucleus when ``top_p`` < 1)."""
    if not temperature:
        return int(logits.argmax())
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    if top_p is None or top_p >= 1:
        return int(torch.multinomial(probs, 1, generator=generator))
    ranked, order = probs.sort(descending=True)
    # Keep the smallest set of most likely tokens whose mass reaches top_p.
    ranked = ranked * ((ranked.cumsum(-1) - ranked) < top_p)
    return int(order[torch.multinomial(ranked, 1, generator=generator)])


def _plain_messages(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Role and text of each OpenAI message (text parts of a content list are joined)."""
    plain = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        plain.append({"role": str(message.get("role")), "content": content or ""})
    return plain


class ChatEngine:
    """Answers chat requests with models and adapters, keeping ``cache_size`` of them loaded."""

    def __init__(self, models_dir: str | Path, cache_size: int = 3) -> None:
        self.models_dir = Path(models_dir)
        self.cache_size = max(1, cache_size)
        self.device = pick_device()
        self._cache: OrderedDict[tuple[str, str], ChatModel] = OrderedDict()
        self._lock = threading.Lock()

    def chat(
        self,
        target: dict[str, str],
        messages: list[dict[str, Any]],
        temperature: float | None = None,
        top_p: float | None = None,
        max_tokens: int | None = None,
        seed: int = DEFAULT_SEED,
    ) -> ChatStream:
        """A streamed reply of ``target`` to ``messages`` (OpenAI-style role/content dicts)."""
        chat_model = self.load(target)
        prompt = chat_model.tokenizer.apply_chat_template(
            _plain_messages(messages), tokenize=False, add_generation_prompt=True
        )
        prompt_ids = chat_model.tokenizer(prompt, add_special_tokens=False)["input_ids"]
        room = max_tokens or DEFAULT_MAX_TOKENS
        if chat_model.context is not None:
            if len(prompt_ids) >= chat_model.context:
                raise InferenceError(
                    f"the conversation is {len(prompt_ids)} tokens long; this model reads at "
                    f"most {chat_model.context}"
                )
            room = min(room, chat_model.context - len(prompt_ids))
        return ChatStream(
            chat_model,
            prompt_ids,
            max_tokens=room,
            temperature=temperature,
            top_p=top_p,
            seed=seed,
        )

    def load(self, target: dict[str, str]) -> ChatModel:
        """The model for ``target``, from the cache or loaded now (evicting the oldest)."""
        key = _cache_key(target)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            loaded = self._load_base(key[1]) if key[0] == "base" else self._load_adapter(key[1])
            self._cache[key] = loaded
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            return loaded

    def _load_base(self, model_id: str) -> ChatModel:
        source = model_source(model_id, self.models_dir)
        tokenizer = load_tokenizer(model_id, source)
        model = load_model(model_id, source, self.device)
        return self._ready(model, tokenizer)

    def _load_adapter(self, folder: str) -> ChatModel:
        adapter_dir = Path(folder)
        base_id = artifacts.adapter_base_model(adapter_dir)
        kept_base = artifacts.base_model_for_adapter(adapter_dir)
        source = str(kept_base) if kept_base else model_source(base_id, self.models_dir)
        has_tokenizer = (adapter_dir / "tokenizer_config.json").is_file()
        tokenizer = load_tokenizer(base_id, str(adapter_dir) if has_tokenizer else source)
        base = load_model(base_id, source, self.device)
        try:
            model = PeftModel.from_pretrained(base, adapter_dir).merge_and_unload()
        except (OSError, ValueError, RuntimeError) as exc:
            raise InferenceError(f"adapter {adapter_dir} cannot be loaded: {exc}") from exc
        model.eval()
        return self._ready(model, tokenizer)

    def _ready(self, model: Any, tokenizer: Any) -> ChatModel:
        return ChatModel(
            model=model,
            tokenizer=tokenizer,
            device=self.device,
            stop_ids=stop_token_ids(tokenizer, model),
            context=context_length(model),
            cache_argument=(
                "cache"
                if "cache" in inspect.signature(model.forward).parameters
                else "past_key_values"
            ),
        )


def _cache_key(target: dict[str, str]) -> tuple[str, str]:
    base, adapter = target.get("baseModel"), target.get("adapterDir")
    if bool(base) == bool(adapter):
        raise InferenceError('a chat target is {"baseModel": id} or {"adapterDir": path}')
    if adapter:
        return ("adapter", str(Path(adapter).resolve()))
    return ("base", str(base))
