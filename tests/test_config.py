"""What ``create_trainer`` accepts (issue 2 "Public API"): every invalid input is a
``ConfigError`` naming the field and the rule, raised before any network; the
wire ``JobConfig`` holds only the keys the user set, in camelCase.
"""

from __future__ import annotations

import threading

import pytest

from arkor import ArkorError, Callbacks, ConfigError, ReconnectPolicy, create_trainer

VALID = {"name": "support-bot-v1", "model": "arkor/tiny",
         "dataset": {"type": "huggingface", "name": "org/ds", "split": "train"}}


def config_error(**arguments) -> str:
    with pytest.raises(ConfigError) as caught:
        create_trainer(**{**VALID, **arguments})
    return str(caught.value)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"lora": {"r": -1}}, "lora.r must be a positive integer (got -1)"),
        ({"lora": {"alpha": 0}}, "lora.alpha must be a positive integer (got 0)"),
        ({"lora": {"max_length": 1.5}}, "lora.max_length must be a positive integer (got 1.5)"),
        ({"lora": {"load_in_4bit": 1}}, "lora.load_in_4bit must be true or false (got 1)"),
        ({"lora": {"rank": 8}}, "lora.rank is not a known field"),
        ({"lora": [16]}, "lora must be an object"),
        ({"max_steps": 0}, "max_steps must be a positive integer (got 0)"),
        ({"max_steps": True}, "max_steps must be a positive integer (got True)"),
        ({"batch_size": "8"}, "batch_size must be a positive integer (got '8')"),
        ({"learning_rate": -1e-4}, "learning_rate must be a positive number (got -0.0001)"),
        ({"learning_rate": float("nan")}, "learning_rate must be a positive number (got nan)"),
        ({"num_train_epochs": 0}, "num_train_epochs must be a positive number (got 0)"),
        ({"weight_decay": -0.1}, "weight_decay must be a non-negative number (got -0.1)"),
        ({"warmup_steps": -1}, "warmup_steps must be a non-negative integer (got -1)"),
        ({"logging_steps": 0}, "logging_steps must be a positive integer (got 0)"),
        ({"save_steps": -3}, "save_steps must be a positive integer (got -3)"),
        ({"eval_steps": "10"}, "eval_steps must be a positive integer (got '10')"),
        ({"optim": ""}, "optim must be a non-empty string"),
        ({"lr_scheduler_type": 3}, "lr_scheduler_type must be a non-empty string (got 3)"),
        ({"train_on_responses_only": "yes"}, "train_on_responses_only must be true or false"),
        ({"dry_run": 1}, "dry_run must be true or false (got 1)"),
        ({"name": ""}, "name must be a non-empty string"),
        ({"model": "  "}, "model must be a non-empty string"),
        ({"dataset_split": {"eval_fraction": 1.5}},
         "dataset_split.eval_fraction must be a number between 0 and 1 (got 1.5)"),
        ({"dataset_format": {"kind": "chatml"}}, "dataset_format.type is required"),
    ],
)
def test_an_invalid_argument_names_the_field_and_the_rule(arguments, message):
    assert message in config_error(**arguments)


@pytest.mark.parametrize(
    ("dataset", "message"),
    [
        ("org/ds", "dataset must be an object (got 'org/ds')"),
        ({"name": "org/ds"}, "dataset needs a 'type' field"),
        ({"type": "s3", "name": "x"}, "dataset.type must be one of"),
        ({"type": "huggingface"}, "dataset.name is required"),
        ({"type": "huggingface", "name": " "}, "dataset.name must be a non-empty string"),
        ({"type": "huggingface", "name": "a", "revision": "main"},
         "dataset.revision is not a known field"),
        ({"type": "blob", "url": "ftp://host/data.jsonl"},
         "dataset.url must be an http(s) URL (got 'ftp://host/data.jsonl')"),
        ({"type": "upload"}, "dataset.id is required"),
        ({"type": "file", "path": ""}, "dataset.path must be a non-empty string"),
    ],
)
def test_an_invalid_dataset_names_the_field_and_the_rule(dataset, message):
    assert message in config_error(dataset=dataset)


def test_the_unknown_dataset_type_message_lists_the_known_types():
    message = config_error(dataset={"type": "s3", "name": "x"})
    for known in ("huggingface", "blob", "file", "upload"):
        assert known in message
    assert "(got 's3')" in message


def test_every_problem_is_reported_in_one_error():
    message = config_error(lora={"r": 0, "alpha": -2}, max_steps=-5)
    assert "lora.r must be a positive integer (got 0)" in message
    assert "lora.alpha must be a positive integer (got -2)" in message
    assert "max_steps must be a positive integer (got -5)" in message


def test_config_error_is_a_value_error_and_an_arkor_error():
    with pytest.raises(ValueError) as caught:
        create_trainer(**{**VALID, "lora": {"r": -1}})
    assert isinstance(caught.value, ConfigError) and isinstance(caught.value, ArkorError)


@pytest.mark.parametrize(
    ("callbacks", "message"),
    [
        ({"on_log": 3}, "callbacks.on_log must be callable (got int)"),
        ({"on_finish": print}, "callbacks.on_finish is not a known callback"),
        ([print], "callbacks must be a Callbacks(...) or a dict (got list)"),
    ],
)
def test_invalid_callbacks_are_refused(callbacks, message):
    assert message in config_error(callbacks=callbacks)


def test_a_callbacks_object_with_a_non_callable_is_refused():
    with pytest.raises(ConfigError, match=r"callbacks\.on_completed must be callable"):
        Callbacks(on_completed="done")


def test_abort_signal_must_be_a_threading_event():
    assert "abort_signal must be a threading.Event (got bool)" in config_error(abort_signal=True)


@pytest.mark.parametrize(
    ("reconnect", "message"),
    [
        ({"max_delay": -1}, "reconnect.max_delay must be a non-negative number (got -1)"),
        ({"retries": 3}, "reconnect.retries is not a known field"),
        (5, "reconnect must be a ReconnectPolicy or a dict (got int)"),
    ],
)
def test_invalid_reconnect_settings_are_refused(reconnect, message):
    assert message in config_error(reconnect=reconnect)


def test_valid_arguments_build_a_trainer_without_error():
    trainer = create_trainer(
        **VALID,
        lora={"r": 16, "alpha": 16, "max_length": 1024, "load_in_4bit": False},
        max_steps=100, num_train_epochs=None, learning_rate=2e-4, batch_size=8,
        optim="adamw_torch", lr_scheduler_type="cosine", weight_decay=0.0, warmup_steps=5,
        logging_steps=1, save_steps=50, eval_steps=50, train_on_responses_only=True,
        dataset_format={"type": "chatml"}, dataset_split={"eval_fraction": 0.1}, dry_run=False,
        callbacks=Callbacks(on_log=print), abort_signal=threading.Event(),
        reconnect={"initial_delay": 0.5, "max_delay": 10, "max_attempts": 3, "idle_timeout": 30},
    )
    assert trainer.name == "support-bot-v1"
    assert trainer.reconnect == ReconnectPolicy(initial_delay=0.5, max_delay=10, max_attempts=3,
                                                idle_timeout=30)


def test_the_wire_config_has_only_the_keys_the_user_set_in_camel_case():
    trainer = create_trainer(
        name="run", model="arkor/tiny",
        dataset={"type": "blob", "url": "https://example.com/data.jsonl"},
        lora={"r": 8, "max_length": 512}, num_train_epochs=2, lr_scheduler_type="cosine",
        dataset_split={"eval_fraction": 0.2},
    )
    assert trainer.config == {
        "model": "arkor/tiny",
        "datasetSource": {"type": "blob", "url": "https://example.com/data.jsonl"},
        "loraR": 8, "maxLength": 512, "numTrainEpochs": 2, "lrSchedulerType": "cosine",
        "datasetSplit": {"evalFraction": 0.2},
    }


def test_a_minimal_trainer_sends_only_model_and_dataset():
    assert create_trainer(**VALID).config == {
        "model": "arkor/tiny",
        "datasetSource": {"type": "huggingface", "name": "org/ds", "split": "train"},
    }
