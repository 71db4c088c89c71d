"""How well a template's default run answers its held-out examples.

    python bench/template_quality.py templates/triage [--show]

Copies the template into a temporary folder (as ``arkor init`` would), trains
it as it is with ``arkor.run_trainer`` (the configured backend, else the
embedded local one), then asks the final adapter about every row of
``data/heldout.jsonl`` at temperature 0. Prints how many answers parse as the
expected JSON (an object with exactly the reference answer's keys), how many
match the reference exactly, and how often each key's value matches.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from arkor import open_project, run_trainer


def read_rows(path: Path) -> list[list[dict[str, str]]]:
    with path.open(encoding="utf-8") as file:
        return [json.loads(line)["messages"] for line in file if line.strip()]


def parse_answer(text: str, keys: set[str]) -> dict | None:
    """The answer as a dict when it is a JSON object with exactly ``keys``, else None."""
    try:
        answer = json.loads(text)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) and set(answer) == keys else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", type=Path, help="a template folder, e.g. templates/triage")
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--show", action="store_true", help="print every answer")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="arkor-template-quality-"))
    try:
        project_dir = workdir / args.template.resolve().name
        shutil.copytree(args.template, project_dir, ignore=shutil.ignore_patterns(".arkor"))
        started = time.monotonic()
        result = run_trainer(project_dir / "trainer.py")
        train_s = time.monotonic() - started
        job = result.job
        metrics = result.metrics
        print(f"template {project_dir.name}: job {job.id} {job.status} in {train_s:.1f} s "
              f"(training {metrics.get('trainRuntimeSeconds')} s), "
              f"final loss {metrics.get('finalLoss')}")
        if job.status != "completed":
            raise SystemExit(f"training did not complete: {job.error}")

        project = open_project(project_dir)
        rows = read_rows(project_dir / "data" / "heldout.jsonl")
        parsed = exact = 0
        key_matches: dict[str, int] = {}
        for messages in rows:
            prompt, reference = messages[:-1], messages[-1]["content"]
            expected = json.loads(reference)
            reply = project.chat(prompt, job_id=job.id, temperature=0, max_tokens=args.max_tokens)
            answer = parse_answer(reply.content, set(expected))
            exact += reply.content.strip() == reference
            if answer is not None:
                parsed += 1
                for key, value in expected.items():
                    key_matches[key] = key_matches.get(key, 0) + (answer[key] == value)
            if args.show:
                print(f"  want {reference}\n  got  {reply.content}")
        total = len(rows)
        print(f"held-out answers that parse as the expected JSON: {parsed}/{total}")
        print(f"exact matches: {exact}/{total}")
        if key_matches:
            counts = ", ".join(f"{key} {count}/{total}" for key, count in key_matches.items())
            print(f"matching values: {counts}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
