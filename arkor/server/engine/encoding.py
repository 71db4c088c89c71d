"""Conversations to training examples: chat template, token ids, loss labels, batches.

With ``trainOnResponsesOnly`` only the assistant's tokens carry a label. The
assistant spans are found for any chat template, with or without generation
markers: the conversation is rendered to text, each message's content is
located in that text in order, and the character spans map to tokens through
the fast tokenizer's offsets. The end-of-turn token right after an assistant
reply is labelled too, so the model learns to stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from jinja2 import TemplateError

from arkor.server.engine.errors import TrainingError

IGNORE = -100  # label of a token that is not trained on


@dataclass
class Example:
    """One tokenized conversation: token ids and their labels (``IGNORE`` = no loss)."""

    input_ids: list[int]
    labels: list[int]

    @property
    def targets(self) -> int:
        """How many tokens carry a label."""
        return sum(label != IGNORE for label in self.labels[1:])


@dataclass
class Encoded:
    """Examples ready to train on; how many conversations were cut by ``max_length``, and
    how many were dropped because nothing to learn was left in them."""

    examples: list[Example]
    truncated: int
    dropped: int


def describe(messages: list[dict[str, str]]) -> str:
    """Names a conversation in an error message by how it starts."""
    start = messages[0]["content"].strip().replace("\n", " ")
    return f"the conversation starting {start[:40]!r}"


def render(tokenizer: Any, messages: list[dict[str, str]]) -> str:
    """The conversation as the model's chat template writes it."""
    try:
        return tokenizer.apply_chat_template(messages, tokenize=False)
    except TemplateError as exc:
        raise TrainingError(
            f"dataset: the model's chat template refused {describe(messages)}: {exc}"
        ) from exc


def assistant_spans(text: str, messages: list[dict[str, str]]) -> list[tuple[int, int]]:
    """Character spans of the assistant contents within the rendered ``text``."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for index, message in enumerate(messages):
        content = message["content"]
        if not content.strip():
            continue
        start, needle = text.find(content, cursor), content
        if start < 0:  # templates often trim contents
            needle = content.strip()
            start = text.find(needle, cursor)
        if start < 0:
            if message["role"] == "assistant":
                raise TrainingError(
                    f"dataset: the model's chat template rewrites messages[{index}] (an "
                    f"assistant reply) of {describe(messages)}, so its tokens cannot be "
                    "located; set trainOnResponsesOnly to false to train on whole conversations"
                )
            continue  # e.g. a system prompt the template rewrites
        end = start + len(needle)
        if message["role"] == "assistant":
            spans.append((start, end))
        cursor = end
    return spans


def span_labels(
    input_ids: list[int],
    offsets: list[tuple[int, int]],
    spans: list[tuple[int, int]],
    stop_ids: frozenset[int],
) -> list[int]:
    """Labels that keep the tokens overlapping ``spans`` (and the stop token after each)."""
    labels = [IGNORE] * len(input_ids)
    for start, end in spans:
        last = None
        for i, (token_start, token_end) in enumerate(offsets):
            if token_start < end and token_end > start:
                labels[i] = input_ids[i]
                last = i
        if last is not None and last + 1 < len(input_ids) and input_ids[last + 1] in stop_ids:
            labels[last + 1] = input_ids[last + 1]
    return labels


def encode(
    tokenizer: Any,
    conversations: list[list[dict[str, str]]],
    *,
    max_length: int,
    responses_only: bool,
    stop_ids: frozenset[int],
) -> Encoded:
    """Tokenized conversations cut to ``max_length``; any left without labels are dropped."""
    if responses_only and not tokenizer.is_fast:
        raise TrainingError(
            "trainOnResponsesOnly needs a fast tokenizer (character offsets); this model has a "
            "slow one: set trainOnResponsesOnly to false"
        )
    texts = [render(tokenizer, messages) for messages in conversations]
    batch = tokenizer(
        texts, add_special_tokens=False, return_offsets_mapping=responses_only, verbose=False
    )
    examples: list[Example] = []
    truncated = 0
    for i, (text, messages) in enumerate(zip(texts, conversations, strict=True)):
        ids = batch["input_ids"][i]
        if responses_only:
            spans = assistant_spans(text, messages)
            labels = span_labels(ids, batch["offset_mapping"][i], spans, stop_ids)
        else:
            labels = list(ids)
        truncated += len(ids) > max_length
        example = Example(ids[:max_length], labels[:max_length])
        if example.targets:
            examples.append(example)
    return Encoded(examples, truncated, dropped=len(conversations) - len(examples))


def collate(examples: list[Example], pad_id: int, device: torch.device) -> dict[str, torch.Tensor]:
    """Right-padded ``input_ids``, ``attention_mask`` and ``labels`` tensors on ``device``."""
    width = max(len(e.input_ids) for e in examples)
    input_ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    attention_mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, example in enumerate(examples):
        length = len(example.input_ids)
        input_ids[row, :length] = torch.tensor(example.input_ids)
        labels[row, :length] = torch.tensor(example.labels)
        attention_mask[row, :length] = 1
    return {
        "input_ids": input_ids.to(device),
        "attention_mask": attention_mask.to(device),
        "labels": labels.to(device),
    }
