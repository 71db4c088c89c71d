"""The bundled templates: reproducible example data that is well formed and ready to train."""

import ast
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from arkor.server.datasets import conversations_from_jsonl

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
GENERATOR = ROOT / "scripts" / "generate_template_data.py"
ANSWER_KEYS = {
    "triage": ["category", "urgency", "summary", "nextAction"],
    "translate": ["translation", "detectedLanguage"],
    "redaction": ["redactedText", "redactedCount", "tags"],
    "blank": ["name", "greeting"],
}
TASK_TEMPLATES = ("triage", "translate", "redaction")
SPLITS = ("train", "heldout")
TAG = re.compile(r"\[(NAME|EMAIL|PHONE|ADDRESS|CARD|DOB)\]")
# arkor/tiny trains with max_length 256; its tokenizer averages about 2.8
# characters per token on these rows (205 tokens at most), so 600 characters
# per conversation leaves a margin.
MAX_CONVERSATION_CHARS = 600


def rows(template, split):
    path = TEMPLATES / template / "data" / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def user_text(row):
    return next(m["content"] for m in row["messages"] if m["role"] == "user")


def answer(row):
    return json.loads(row["messages"][-1]["content"])


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("templates")
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(out)], check=True, capture_output=True
    )
    return out


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("template", ANSWER_KEYS)
def test_the_generator_reproduces_the_committed_files_byte_for_byte(regenerated, template, split):
    relative = Path(template) / "data" / f"{split}.jsonl"
    assert (regenerated / relative).read_bytes() == (TEMPLATES / relative).read_bytes()


@pytest.mark.parametrize("template", TASK_TEMPLATES)
def test_task_templates_have_at_least_300_training_rows_and_20_held_out(template):
    assert len(rows(template, "train")) >= 300
    assert len(rows(template, "heldout")) == 20


def test_the_blank_template_has_a_tiny_dataset_to_replace():
    assert 30 <= len(rows("blank", "train")) <= 40
    assert len(rows("blank", "heldout")) >= 1


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("template", ANSWER_KEYS)
def test_every_row_is_a_chat_conversation_the_backend_accepts(template, split):
    path = TEMPLATES / template / "data" / f"{split}.jsonl"
    conversations = conversations_from_jsonl(path.read_bytes().splitlines())
    for messages in conversations:
        assert [m["role"] for m in messages][-2:] == ["user", "assistant"]
        assert sum(len(m["content"]) for m in messages) <= MAX_CONVERSATION_CHARS


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("template", ANSWER_KEYS)
def test_every_answer_is_one_line_of_compact_json_with_the_keys_in_order(template, split):
    for row in rows(template, split):
        content = row["messages"][-1]["content"]
        parsed = json.loads(content)
        assert list(parsed) == ANSWER_KEYS[template]
        assert content == json.dumps(parsed, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize("template", ANSWER_KEYS)
def test_the_system_prompt_is_the_same_on_every_row(template):
    prompts = {
        tuple(m["content"] for m in row["messages"] if m["role"] == "system")
        for split in SPLITS
        for row in rows(template, split)
    }
    assert len(prompts) == 1


@pytest.mark.parametrize("template", ANSWER_KEYS)
def test_held_out_rows_never_appear_in_training(template):
    trained = {user_text(row) for row in rows(template, "train")}
    held_out = [user_text(row) for row in rows(template, "heldout")]
    assert not trained & set(held_out)
    assert len(trained) == len(rows(template, "train"))  # no repeated texts either
    assert len(set(held_out)) == len(held_out)


@pytest.mark.parametrize("split", SPLITS)
def test_redacted_count_and_tags_agree_with_the_redacted_text(split):
    for row in rows("redaction", split):
        result = answer(row)
        found = TAG.findall(result["redactedText"])
        assert result["redactedCount"] == len(found)
        assert result["tags"] == sorted(set(found))
        assert "[" not in user_text(row)  # tags only ever come from redaction


def test_redaction_removes_every_email_address():
    for row in rows("redaction", "train"):
        assert "@" not in answer(row)["redactedText"]


def test_triage_labels_come_from_fixed_sets_and_are_balanced():
    answers = [answer(row) for row in rows("triage", "train")]
    categories = Counter(a["category"] for a in answers)
    urgencies = Counter(a["urgency"] for a in answers)
    assert set(categories) == {
        "billing", "technical", "account", "shipping", "refund", "feature_request"
    }
    assert set(urgencies) == {"low", "medium", "high", "critical"}
    assert min(categories.values()) >= 50


def test_translate_covers_six_languages_evenly():
    languages = Counter(answer(row)["detectedLanguage"] for row in rows("translate", "train"))
    assert set(languages) == {"English", "Spanish", "French", "German", "Portuguese", "Italian"}
    assert min(languages.values()) >= 50


@pytest.mark.parametrize("template", ANSWER_KEYS)
def test_trainer_checks_the_keys_its_data_uses_and_names_its_run_first(template):
    source = (TEMPLATES / template / "trainer.py").read_text(encoding="utf-8")
    module = ast.parse(source)
    keys = next(
        ast.literal_eval(node.value)
        for node in module.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "ANSWER_KEYS"
    )
    assert keys == set(ANSWER_KEYS[template])
    # `arkor init --name` rewrites the string after `create_trainer(name=`.
    assert re.search(r'create_trainer\(\s*name\s*=\s*"[^"]+"', source)
    assert "arkor = create_arkor(trainer=trainer)" in source


@pytest.mark.parametrize("template", ANSWER_KEYS)
def test_each_template_has_a_readme_and_ignores_arkor_state(template):
    folder = TEMPLATES / template
    assert "arkor start" in (folder / "README.md").read_text(encoding="utf-8")
    assert ".arkor/" in (folder / ".gitignore").read_text(encoding="utf-8").splitlines()
