"""Redaction: fine-tune a model to replace personal data in a text with tags, in JSON.

    {"redactedText":"Call [NAME] at [PHONE].","redactedCount":2,"tags":["NAME","PHONE"]}

Train it with `arkor start` in this folder; README.md explains the rest.
"""

import json
from pathlib import Path

from arkor import Callbacks, create_arkor, create_trainer

HERE = Path(__file__).parent
ANSWER_KEYS = {"redactedText", "redactedCount", "tags"}


def held_out_prompt():
    """The first example of data/heldout.jsonl (never trained on), without its answer."""
    with open(HERE / "data" / "heldout.jsonl", encoding="utf-8") as file:
        messages = json.loads(file.readline())["messages"]
    return [message for message in messages if message["role"] != "assistant"]


def parses_as_expected(text):
    """Whether the model's answer is a JSON object with exactly the expected keys."""
    try:
        answer = json.loads(text)
    except ValueError:
        return False
    return isinstance(answer, dict) and set(answer) == ANSWER_KEYS


def on_checkpoint(ctx):
    # Ask the checkpoint about an example it never saw; temperature=0 gives its most likely answer.
    answer = ctx.infer(messages=held_out_prompt(), max_tokens=128, temperature=0)
    verdict = "yes" if parses_as_expected(answer.content) else "no"
    print(f"step {ctx.step}: held-out answer parses as expected JSON: {verdict}")


def on_completed(ctx):
    print(f'Done. Try it: arkor chat {ctx.job.id} "Call Ana Silva at 555-0134."')


trainer = create_trainer(
    name="redaction-demo",
    # The built-in demo model starts from random weights and trains offline on a
    # CPU: it learns the answer format, not the language. On a GPU, switch to a
    # real model, e.g. model="Qwen/Qwen2.5-0.5B-Instruct" with learning_rate=2e-4
    # and max_steps=150 (see README.md).
    model="arkor/tiny",
    dataset={"type": "file", "path": "data/train.jsonl"},  # relative to this folder
    lora={"r": 16, "alpha": 32, "max_length": 256},  # every example fits in 256 tokens
    max_steps=300,  # about 6 passes over the data; with fewer, answers often break the JSON
    batch_size=8,
    learning_rate=3e-3,  # high, because arkor/tiny starts from random weights
    lr_scheduler_type="cosine",
    warmup_steps=30,
    logging_steps=5,
    save_steps=100,  # every checkpoint calls on_checkpoint
    callbacks=Callbacks(on_checkpoint=on_checkpoint, on_completed=on_completed),
)
arkor = create_arkor(trainer=trainer)
