"""Finding, loading and running a project's ``trainer.py`` (issue 2 "Public API":
``create_arkor`` and ``run_trainer``): discovery, selection, and errors that name
the file and line. Real trainer files in temp folders.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from scripted_backend import Replay, completed, log, started

from arkor import ConfigError, Trainer, TrainingResult, create_arkor, run_trainer
from arkor.errors import TrainerLoadError
from arkor.loader import load_trainer

pytest_plugins = ["scripted_backend"]  # fixtures: scripted, sdk_env

HEADER = """\
from arkor import create_arkor, create_trainer

def make(name):
    return create_trainer(name=name, model="arkor/tiny",
                          dataset={"type": "huggingface", "name": "org/ds"})
"""


def write_trainer(folder: Path, body: str, header: str = HEADER) -> Path:
    """``folder/trainer.py`` with ``header`` then ``body``; its resolved path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "trainer.py"
    path.write_text(header + textwrap.dedent(body))
    return path.resolve()


def line_of(path: Path, text: str) -> int:
    """The 1-based line number of the first line of ``path`` containing ``text``."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


# --- discovery ---------------------------------------------------------------------------


def test_an_explicit_file_path_is_loaded(tmp_path):
    path = write_trainer(tmp_path / "proj", "trainer = make('explicit')\n")
    assert load_trainer(path).name == "explicit"


def test_an_explicit_folder_path_loads_its_trainer_py(tmp_path):
    write_trainer(tmp_path / "proj", "trainer = make('from-folder')\n")
    assert load_trainer(tmp_path / "proj").name == "from-folder"


def test_an_explicit_path_without_a_trainer_file_is_an_error(tmp_path):
    with pytest.raises(TrainerLoadError, match="no trainer file at"):
        load_trainer(tmp_path / "nothing-here")


def test_without_a_path_the_nearest_trainer_py_from_cwd_upward_is_loaded(tmp_path, monkeypatch):
    write_trainer(tmp_path / "proj", "trainer = make('outer')\n")
    write_trainer(tmp_path / "proj" / "src", "trainer = make('inner')\n")
    deep = tmp_path / "proj" / "src" / "pkg" / "deep"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert load_trainer().name == "inner"
    monkeypatch.chdir(tmp_path / "proj")
    assert load_trainer().name == "outer"


def test_without_any_trainer_py_up_the_tree_the_error_says_where_it_looked(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TrainerLoadError) as caught:
        load_trainer()
    assert str(tmp_path.resolve()) in str(caught.value)
    assert "arkor init" in str(caught.value)


# --- selection ---------------------------------------------------------------------------


def test_an_arkor_manifest_wins_over_trainer(tmp_path):
    path = write_trainer(tmp_path, """
        trainer = make('plain')
        chosen = make('chosen')
        arkor = create_arkor(trainer=chosen)
    """)
    assert load_trainer(path).name == "chosen"


def test_trainer_wins_over_other_trainer_instances(tmp_path):
    path = write_trainer(tmp_path, """
        backup = make('backup')
        trainer = make('main')
    """)
    assert load_trainer(path).name == "main"


def test_the_only_trainer_instance_is_picked_whatever_its_name(tmp_path):
    path = write_trainer(tmp_path, "my_run = make('only-one')\n")
    loaded = load_trainer(path)
    assert isinstance(loaded, Trainer) and loaded.name == "only-one"


def test_importing_the_arkor_module_is_not_mistaken_for_a_manifest(tmp_path):
    path = write_trainer(tmp_path, "import arkor\nrun = make('with-module')\n")
    assert load_trainer(path).name == "with-module"


def test_several_trainers_without_a_choice_are_an_error_naming_them(tmp_path):
    path = write_trainer(tmp_path, "first = make('a')\nsecond = make('b')\n")
    with pytest.raises(TrainerLoadError) as caught:
        load_trainer(path)
    message = str(caught.value)
    assert str(path) in message
    assert "first" in message and "second" in message
    assert "trainer" in message and "create_arkor" in message


def test_no_trainer_is_an_error_listing_what_the_file_defines(tmp_path):
    path = write_trainer(tmp_path, """
        settings = {"lr": 1e-4}
        def helper():
            return 1
    """)
    with pytest.raises(TrainerLoadError) as caught:
        load_trainer(path)
    message = str(caught.value)
    assert str(path) in message
    assert "settings (dict)" in message and "helper (function)" in message
    assert "create_trainer" in message


def test_an_arkor_name_that_is_not_a_manifest_is_an_error(tmp_path):
    path = write_trainer(tmp_path, "trainer = make('x')\narkor = {'trainer': trainer}\n")
    with pytest.raises(TrainerLoadError, match=r"create_arkor\(trainer=\.\.\.\)"):
        load_trainer(path)


def test_create_arkor_refuses_something_that_is_not_a_trainer():
    with pytest.raises(ConfigError, match="needs a Trainer"):
        create_arkor(trainer="support-bot")


# --- errors name the file and line -------------------------------------------------------


def test_a_syntax_error_names_the_file_and_line(tmp_path):
    path = write_trainer(tmp_path, "trainer = make('x')\ndef broken(:\n    pass\n")
    with pytest.raises(TrainerLoadError) as caught:
        load_trainer(path)
    message = str(caught.value)
    assert f"{path}:{line_of(path, 'def broken')}" in message
    assert "syntax error" in message


def test_an_exception_while_loading_names_the_file_and_line(tmp_path):
    path = write_trainer(tmp_path, """
        trainer = make('x')
        raise RuntimeError("no GPU on this machine")
    """)
    with pytest.raises(TrainerLoadError) as caught:
        load_trainer(path)
    message = str(caught.value)
    assert f"{path}:{line_of(path, 'raise RuntimeError')}" in message
    assert "RuntimeError" in message and "no GPU on this machine" in message


def test_an_exception_in_a_helper_module_names_the_trainer_line_that_imported_it(tmp_path):
    (tmp_path / "helpers.py").write_text("value = 1 / 0\n")
    path = write_trainer(tmp_path, "import helpers\ntrainer = make('x')\n")
    with pytest.raises(TrainerLoadError) as caught:
        load_trainer(path)
    assert f"{path}:{line_of(path, 'import helpers')}" in str(caught.value)
    assert "ZeroDivisionError" in str(caught.value)


def test_an_invalid_create_trainer_call_names_the_file_line_and_rule(tmp_path):
    path = write_trainer(tmp_path, """
        trainer = create_trainer(
            name="x", model="arkor/tiny", dataset={"type": "huggingface", "name": "a"},
            lora={"r": -1},
        )
    """)
    with pytest.raises(ConfigError) as caught:
        load_trainer(path)
    message = str(caught.value)
    assert f"{path}:{line_of(path, 'trainer = create_trainer(')}" in message
    assert "lora.r must be a positive integer (got -1)" in message


# --- loading has no lasting side effects --------------------------------------------------


def test_a_trainer_can_import_modules_beside_it_and_sys_path_is_restored(tmp_path):
    (tmp_path / "settings.py").write_text("NAME = 'from-sibling'\n")
    path = write_trainer(tmp_path, "from settings import NAME\ntrainer = make(NAME)\n")
    before = list(sys.path)
    assert load_trainer(path).name == "from-sibling"
    assert sys.path == before


def test_a_loaded_trainer_keeps_its_project_state_beside_trainer_py(tmp_path):
    path = write_trainer(tmp_path / "proj", "trainer = make('x')\n")
    assert load_trainer(path).project_dir == path.parent


# --- run_trainer ---------------------------------------------------------------------------


def test_run_trainer_loads_starts_and_waits_for_the_result(scripted, sdk_env, monkeypatch):
    path = write_trainer(sdk_env.project_dir, """
        steps = []
        trainer = create_trainer(
            name="via-run-trainer", model="arkor/tiny",
            dataset={"type": "huggingface", "name": "org/ds"},
            callbacks={"on_log": lambda ctx: steps.append(ctx.step)},
            reconnect={"initial_delay": 0.01, "max_attempts": 2},
        )
    """)
    scripted.add_events(started(), log(1), completed())
    scripted.script_streams([Replay()])
    monkeypatch.chdir(sdk_env.home)  # the project is found by path, its state lands beside it
    result = run_trainer(path)
    assert isinstance(result, TrainingResult)
    assert result.job.status == "completed"
    (job,) = scripted.calls("POST", "/v1/jobs")
    assert job.json()["name"] == "via-run-trainer"
    assert json.loads(sdk_env.state_path.read_text())["projectSlug"] == "my-project"


def test_run_trainer_without_a_path_uses_the_project_around_cwd(scripted, sdk_env, monkeypatch):
    write_trainer(sdk_env.project_dir, "trainer = make('found-from-cwd')\n")
    nested = sdk_env.project_dir / "notebooks"
    nested.mkdir()
    monkeypatch.chdir(nested)
    scripted.add_events(started(), completed())
    scripted.script_streams([Replay()])
    assert run_trainer().job.status == "completed"
    assert scripted.calls("POST", "/v1/jobs")[0].json()["name"] == "found-from-cwd"
