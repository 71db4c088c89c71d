"""A synthetic support-ticket triage dataset for demos, tests and benchmarks.

Each conversation is a customer ticket (user) answered by a JSON triage record
(assistant) with the keys ``category``, ``urgency``, ``summary`` and
``nextAction``. The built-in ``arkor/tiny`` model learns this format in a few
seconds on a CPU, which makes it a fast end-to-end check of the whole training
pipeline. Pure Python and deterministic for a given seed; not real data.
"""

from __future__ import annotations

import json
import random
from typing import Any

SYSTEM_PROMPT = "You triage support tickets. Reply with one JSON object only."

PLANS = ("Starter", "Pro", "Team", "Business", "Enterprise", "Family")
DEVICES = ("iPhone", "Android phone", "iPad", "Windows laptop", "MacBook", "Chromebook")
FEATURES = ("the dashboard", "the calendar", "reports", "the invoice page", "search", "settings")
FORMATS = ("CSV", "PDF", "Excel", "JSON")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "yesterday", "last week")
FIRST_NAMES = (
    "Maria", "James", "Sofia", "Lucas", "Emma", "Noah", "Chloe", "Mateo", "Hannah", "Luca",
    "Ines", "Jonas", "Amelie", "Pedro", "Giulia", "Oliver", "Camille", "Diego", "Lena", "Tomas",
)  # fmt: skip
LAST_NAMES = (
    "Garcia", "Smith", "Rossi", "Muller", "Dubois", "Silva", "Johnson", "Bianchi", "Schmidt",
    "Martin", "Costa", "Brown", "Lopez", "Weber", "Moreau", "Santos", "Ricci", "Fischer",
)  # fmt: skip

# category -> ((ticket, summary) pairs, next action); {slots} are filled per row.
CATEGORIES: dict[str, tuple[tuple[tuple[str, str], ...], str]] = {
    "billing": (
        (
            (
                "I was charged twice for my {plan} plan this month.",
                "Duplicate charge on the {plan} plan",
            ),
            (
                "My invoice for {month} shows the wrong amount.",
                "Wrong amount on the {month} invoice",
            ),
            ("Why did my {plan} plan renew at a higher price?", "Unexpected {plan} plan price"),
            (
                "The refund for order {order} never reached my card.",
                "Missing refund for order {order}",
            ),
        ),
        "Check the payment history and refund any duplicate charge",
    ),
    "login": (
        (
            ("I cannot log in to my account since {day}.", "Cannot sign in since {day}"),
            ("The password reset email never arrives.", "Password reset email missing"),
            (
                "Two-factor codes are rejected on my {device}.",
                "Two-factor codes rejected on {device}",
            ),
            (
                "My account is locked after too many login attempts.",
                "Account locked after failed logins",
            ),
        ),
        "Verify the identity and send a new login link",
    ),
    "bug": (
        (
            (
                "The app crashes when I open {feature} on my {device}.",
                "Crash in {feature} on {device}",
            ),
            ("Export to {format} produces an empty file.", "Empty {format} export"),
            ("{feature} shows a blank page on my {device}.", "Blank page in {feature}"),
            (
                "Buttons in {feature} stop working after the last update.",
                "Broken buttons in {feature}",
            ),
        ),
        "Reproduce the issue and file a bug report",
    ),
    "shipping": (
        (
            ("My package for order {order} has not arrived.", "Order {order} not delivered"),
            (
                "The tracking page for order {order} has not changed since {day}.",
                "Tracking stuck for order {order}",
            ),
            ("Order {order} arrived damaged.", "Order {order} damaged"),
            ("I received the wrong item in order {order}.", "Wrong item in order {order}"),
        ),
        "Contact the carrier and offer a replacement",
    ),
    "feature_request": (
        (
            (
                "It would be great if {feature} could export to {format}.",
                "{format} export for {feature}",
            ),
            ("Please add a dark mode to {feature}.", "Dark mode for {feature}"),
            ("Could you support {format} files in {feature}?", "{format} support in {feature}"),
            ("I would love a shortcut to open {feature} faster.", "Shortcut for {feature}"),
        ),
        "Thank the customer and log the request for the product team",
    ),
    "account": (
        (
            ("Please delete my account and all my data.", "Account deletion request"),
            (
                "I want to change the email on my account to {email}.",
                "Change account email to {email}",
            ),
            ("How do I add a second user to my {plan} plan?", "Add a user to the {plan} plan"),
            ("Please update the billing address on my account.", "Update billing address"),
        ),
        "Confirm the request and update the account settings",
    ),
}

URGENCY_PHRASES: dict[str, tuple[str, ...]] = {
    "low": ("No rush on this.", "Whenever you have time.", "Just letting you know."),
    "medium": ("Could you take a look this week?", "Please help when you can.", ""),
    "high": ("I need this fixed today.", "This is blocking my work.", "Please reply soon."),
    "critical": (
        "Our whole team is blocked right now!",
        "This is urgent, we are losing customers.",
        "URGENT: production is down.",
    ),
}

GREETINGS = ("Hi,", "Hello,", "Hey team,", "Good morning,", "Dear support,", "")
SIGN_OFFS = ("Thanks, {name}", "Best regards, {name}", "Cheers, {name}", "{name}", "Thank you!")


def _slots(rng: random.Random) -> dict[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return {
        "plan": rng.choice(PLANS),
        "device": rng.choice(DEVICES),
        "feature": rng.choice(FEATURES),
        "format": rng.choice(FORMATS),
        "month": rng.choice(MONTHS),
        "day": rng.choice(DAYS),
        "order": f"#{rng.randint(10000, 99999)}",
        "name": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower()}@example.com",
    }


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def triage_example(rng: random.Random) -> tuple[str, dict[str, str]]:
    """One random ticket text and the triage record that answers it."""
    category = rng.choice(sorted(CATEGORIES))
    urgency = rng.choice(sorted(URGENCY_PHRASES))
    phrasings, next_action = CATEGORIES[category]
    issue, summary = rng.choice(phrasings)
    slots = _slots(rng)
    parts = [
        rng.choice(GREETINGS),
        _capitalized(issue.format(**slots)),
        rng.choice(URGENCY_PHRASES[urgency]),
        rng.choice(SIGN_OFFS),
    ]
    ticket = " ".join(part for part in parts if part).format(name=slots["name"])
    record = {
        "category": category,
        "urgency": urgency,
        "summary": _capitalized(summary.format(**slots)),
        "nextAction": next_action,
    }
    return ticket, record


def triage_rows(count: int, seed: int = 0, fmt: str = "chatml") -> list[dict[str, Any]]:
    """``count`` dataset rows in format ``fmt`` (``chatml``, ``prompt_completion`` or
    ``instruction``), the same tickets for the same seed whatever the format."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for _ in range(count):
        ticket, record = triage_example(rng)
        answer = json.dumps(record)
        if fmt == "chatml":
            rows.append(
                {
                    "messages": [
                        {"role": "system", "content": SYSTEM_PROMPT},
                        {"role": "user", "content": ticket},
                        {"role": "assistant", "content": answer},
                    ]
                }
            )
        elif fmt == "prompt_completion":
            rows.append({"system": SYSTEM_PROMPT, "prompt": ticket, "completion": answer})
        elif fmt == "instruction":
            rows.append({"instruction": SYSTEM_PROMPT, "input": ticket, "output": answer})
        else:
            raise ValueError(f"unknown format {fmt!r}")
    return rows


def is_triage_record(text: str) -> bool:
    """Whether ``text`` is one JSON object with exactly the triage keys."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return False
    return isinstance(value, dict) and set(value) == {
        "category",
        "urgency",
        "summary",
        "nextAction",
    }
