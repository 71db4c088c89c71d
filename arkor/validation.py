"""Validation rules shared by the SDK and the backend, and their error messages.

Each rule is an ``Annotated`` type whose validator raises ``ValueError`` with a
short phrase ("must be a positive integer"). :func:`describe_validation_error`
turns a pydantic ``ValidationError`` into one sentence per problem that names
the field and the rule, e.g. ``lora.r must be a positive integer (got -1)``.
The SDK names fields as the user wrote them, the backend as they are on the
wire (``config.loraR``); both use the same rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationError


def _rule(predicate: Callable[[Any], bool], phrase: str) -> BeforeValidator:
    def check(value: Any) -> Any:
        if not predicate(value):
            raise ValueError(phrase)
        return value

    return BeforeValidator(check)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


PositiveInt = Annotated[int, _rule(lambda v: _is_int(v) and v > 0, "must be a positive integer")]
NonNegativeInt = Annotated[
    int, _rule(lambda v: _is_int(v) and v >= 0, "must be a non-negative integer")
]
PositiveNumber = Annotated[
    float, _rule(lambda v: _is_number(v) and v > 0, "must be a positive number")
]
NonNegativeNumber = Annotated[
    float, _rule(lambda v: _is_number(v) and v >= 0, "must be a non-negative number")
]
Fraction = Annotated[
    float, _rule(lambda v: _is_number(v) and 0 < v < 1, "must be a number between 0 and 1")
]
StrictBool = Annotated[bool, _rule(lambda v: isinstance(v, bool), "must be true or false")]
NonEmptyStr = Annotated[
    str, _rule(lambda v: isinstance(v, str) and v.strip() != "", "must be a non-empty string")
]
HttpUrlStr = Annotated[
    str,
    _rule(
        lambda v: isinstance(v, str) and v.startswith(("https://", "http://")) and " " not in v,
        "must be an http(s) URL",
    ),
]
OptionalStr = Annotated[str, _rule(lambda v: isinstance(v, str), "must be a string")]
Temperature = Annotated[
    float, _rule(lambda v: _is_number(v) and 0 <= v <= 5, "must be a number from 0 to 5")
]
TopP = Annotated[
    float, _rule(lambda v: _is_number(v) and 0 < v <= 1, "must be a number in (0, 1]")
]

_MAX_SHOWN = 60


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _phrase(error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be an object"
    if kind == "list_type":
        return "must be a list"
    if kind in ("string_type", "string_too_short"):
        return "must be a string"
    if kind in ("bool_type", "bool_parsing"):
        return "must be true or false"
    if kind == "literal_error":
        return f"must be {ctx.get('expected', 'one of the allowed values')}"
    if kind == "union_tag_invalid":
        return f"must be one of {ctx.get('expected_tags', '')}"
    if kind == "union_tag_not_found":
        return f"needs a '{ctx.get('discriminator', 'type').strip(chr(39))}' field"
    return str(error["msg"]).rstrip(".").lower()


def _path(loc: Iterable[Any], prefix: str, skip: frozenset[str]) -> str:
    parts = [prefix] if prefix else []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in skip:
            continue  # tags pydantic inserts for discriminated unions
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "value"


def validation_problems(
    exc: ValidationError, *, prefix: str = "", union_tags: Iterable[str] = ()
) -> list[str]:
    """One sentence per problem in ``exc``: ``<field> <rule> (got <value>)``."""
    skip = frozenset(union_tags)
    problems = []
    for error in exc.errors():
        loc = error["loc"]
        kind = error["type"]
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, "type") if kind == "union_tag_invalid" else loc
        where = _path(loc, prefix, skip)
        sentence = f"{where} {_phrase(error)}"
        if kind not in ("missing", "union_tag_not_found"):
            value = error.get("input")
            if kind == "union_tag_invalid" and isinstance(value, dict):
                value = value.get("type")
            sentence += f" (got {_shown(value)})"
        problems.append(sentence)
    return problems


def describe_validation_error(
    exc: ValidationError, *, prefix: str = "", union_tags: Iterable[str] = ()
) -> str:
    """All problems in ``exc`` as one message, most important first."""
    return "; ".join(validation_problems(exc, prefix=prefix, union_tags=union_tags))
