"""Checking JSON read from disk against a typed schema (a TypedDict), before any value is trusted.

The artifact files are written by this package, but a reader finds whatever is on disk: a hand edit, a
file from another version, a torn copy. `check_json` walks a parsed JSON value against the TypedDict that
describes it and returns the first problem as one readable phrase ("count: expected a whole number, got
'lots'"), so a reader turns damage into one clear message instead of a KeyError or ValueError deep inside.

Supported hints: TypedDict (required and NotRequired keys; unknown keys are allowed, so a newer writer's
additions do not break an older reader), int (not bool), float (int accepted, finite only), str, bool,
Literal, list[X], dict[str, X], X | None and Any.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any, Literal, NotRequired, Required, Union, get_args, get_origin, get_type_hints

_NAMES = {int: "a whole number", float: "a number", str: "text", bool: "true or false"}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _typed_dict(value: Any, hint: Any, where: str) -> str | None:
    if not isinstance(value, dict):
        return f"{where or 'the file'}: expected an object, got {_shown(value)}"
    prefix = f"{where}." if where else ""
    for key, sub in get_type_hints(hint).items():
        if key not in value:
            if key in hint.__required_keys__:
                return f"{prefix}{key}: missing"
            continue
        problem = check_json(value[key], sub, f"{prefix}{key}")
        if problem is not None:
            return problem
    return None


def _scalar(value: Any, hint: type, where: str) -> str | None:
    if hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, hint)
    return None if ok else f"{where}: expected {_NAMES.get(hint, hint.__name__)}, got {_shown(value)}"


def check_json(value: Any, hint: Any, where: str = "") -> str | None:
    """Why `value` (parsed JSON) does not fit `hint`, naming the path to the bad value; None when it fits.

    Args:
        value: what `json.loads` returned, or a part of it.
        hint: the type it must have (see the module docstring for what is supported).
        where: the path of `value` in the document, for the message ("bm25.k1").
    """
    origin = get_origin(hint)
    if origin in (Required, NotRequired):
        return check_json(value, get_args(hint)[0], where)
    if hint is Any:
        return None
    if typing.is_typeddict(hint):
        return _typed_dict(value, hint, where)
    if origin in (Union, types.UnionType):
        options = get_args(hint)
        if value is None and type(None) in options:
            return None
        problems = [check_json(value, option, where) for option in options if option is not type(None)]
        return None if None in problems else problems[0]
    if origin is Literal:
        allowed = get_args(hint)
        # Compared with the type too: JSON's true equals 1 to Python, but it is not the version 1.
        if any(value == a and type(value) is type(a) for a in allowed):
            return None
        return f"{where}: expected one of {list(allowed)}, got {_shown(value)}"
    if origin is list:
        if not isinstance(value, list):
            return f"{where}: expected a list, got {_shown(value)}"
        (item,) = get_args(hint)
        return next((p for i, v in enumerate(value) if (p := check_json(v, item, f"{where}[{i}]"))), None)
    if origin is dict:
        if not isinstance(value, dict):
            return f"{where}: expected an object, got {_shown(value)}"
        _, item = get_args(hint)
        return next((p for k, v in value.items() if (p := check_json(v, item, f"{where}[{k!r}]"))), None)
    return _scalar(value, hint, where)
