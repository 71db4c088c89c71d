"""A minimal arkor project: replace data/ with your own examples and edit the run below.

The example data teaches a model to greet people by name, in JSON:

    {"name":"Ana","greeting":"Hello, Ana!"}

Train it with `arkor start` in this folder; README.md explains the rest.
"""

import json
from pathlib import Path

from arkor import Callbacks, create_arkor, create_trainer

HERE = Path(__file__).parent
ANSWER_KEYS = {"name", "greeting"}  # change these to your answers' keys


def on_checkpoint(ctx):
    # Try the checkpoint on the first held-out example (one it never trained on).
    with open(HERE / "data" / "heldout.jsonl", encoding="utf-8") as file:
        messages = json.loads(file.readline())["messages"]
    prompt = [message for message in messages if message["role"] != "assistant"]
    answer = ctx.infer(messages=prompt, max_tokens=48, temperature=0)
    try:
        parsed = json.loads(answer.content)
        ok = isinstance(parsed, dict) and set(parsed) == ANSWER_KEYS
    except ValueError:
        ok = False
    print(f"step {ctx.step}: held-out answer parses as expected JSON: {'yes' if ok else 'no'}")


def on_completed(ctx):
    print(f'Done. Try it: arkor chat {ctx.job.id} "My name is Sam."')


trainer = create_trainer(
    name="blank-demo",
    # The built-in demo model starts from random weights and trains offline on a
    # CPU in seconds. On a GPU, switch to a real model, e.g.
    # model="Qwen/Qwen2.5-0.5B-Instruct" with learning_rate=2e-4 (see README.md).
    model="arkor/tiny",
    dataset={"type": "file", "path": "data/train.jsonl"},  # relative to this folder
    lora={"r": 16, "alpha": 32, "max_length": 256},
    max_steps=150,
    batch_size=8,
    learning_rate=3e-3,  # high, because arkor/tiny starts from random weights
    warmup_steps=15,
    save_steps=50,  # every checkpoint calls on_checkpoint
    callbacks=Callbacks(on_checkpoint=on_checkpoint, on_completed=on_completed),
)
arkor = create_arkor(trainer=trainer)
