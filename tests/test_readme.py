"""The README's set-up commands are the ones CI runs and the ones that work."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", text, flags=re.S)


def test_readme_starts_with_the_install_and_test_commands():
    commands = _readme_commands()
    assert "arkor init demo --template triage --yes" in commands[0]
    assert "arkor start" in commands[0]
    assert commands[1].rstrip().endswith("pytest")


def test_ci_runs_the_readme_test_command_verbatim():
    test_command = _readme_commands()[1].strip()
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in [line.strip() for line in ci_lines]


def test_readme_installs_torch_before_the_extras():
    for command in _readme_commands()[:2]:
        assert command.index("pip install torch==") < command.index('pip install -e ".[')
