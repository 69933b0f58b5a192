"""Strict checks of a Chat Completions request against the `openai` SDK's own TypedDict param types.

pydantic validates `Iterable[...]` fields lazily and ignores unknown keys, so this walks the SDK's type
hints itself: every key must be declared, every declared-required key present, every value of its type.
"""

from __future__ import annotations

import collections.abc
import types
import typing
from functools import cache
from typing import Any, Literal, Union

import typing_extensions as te
from openai.types.chat import completion_create_params

_SEQUENCES = {list, collections.abc.Iterable, collections.abc.Sequence, typing.List, typing.Sequence}  # noqa: UP006
_MAPPINGS = {dict, collections.abc.Mapping, typing.Dict}  # noqa: UP006
_WRAPPERS = {te.Required, te.NotRequired, te.ReadOnly, te.Annotated}


def check_chat_request(chat: dict[str, Any]) -> None:
    """Raise AssertionError naming the path of the first value the SDK's types do not allow."""
    params = completion_create_params
    check(
        chat,
        params.CompletionCreateParamsStreaming if chat.get("stream") else params.CompletionCreateParamsNonStreaming,
    )


def check(value: Any, hint: Any, path: str = "$") -> None:
    origin = te.get_origin(hint)
    if hint in (Any, object):
        return
    if origin in _WRAPPERS:
        check(value, te.get_args(hint)[0], path)
    elif origin in (Union, types.UnionType):
        _check_union(value, te.get_args(hint), path)
    elif origin is Literal:
        assert value in te.get_args(hint), f"{path}: {value!r} not in {te.get_args(hint)}"
    elif te.is_typeddict(hint):
        _check_typeddict(value, hint, path)
    elif origin in _SEQUENCES:
        _check_sequence(value, te.get_args(hint)[0], path)
    elif origin in _MAPPINGS:
        assert isinstance(value, dict), f"{path}: expected an object, got {value!r}"
    else:
        _check_scalar(value, hint, path)


def _check_union(value: Any, options: tuple[Any, ...], path: str) -> None:
    problems = []
    for option in options:
        try:
            check(value, option, path)
            return
        except AssertionError as problem:
            problems.append(str(problem))
    raise AssertionError(f"{path}: {value!r} matches no option: {problems}")


def _check_typeddict(value: Any, hint: Any, path: str) -> None:
    assert isinstance(value, dict), f"{path}: expected an object, got {value!r}"
    fields = _fields(hint)
    unknown = set(value) - set(fields)
    assert not unknown, f"{path}: keys {sorted(unknown)} are not in {hint.__name__}"
    for key, field_hint in fields.items():
        if key in value:
            check(value[key], field_hint, f"{path}.{key}")
        else:
            assert te.get_origin(field_hint) is not te.Required, f"{path}: missing {key!r}"


def _check_sequence(value: Any, item_hint: Any, path: str) -> None:
    assert isinstance(value, list), f"{path}: expected a list, got {value!r}"
    for index, item in enumerate(value):
        check(item, item_hint, f"{path}[{index}]")


def _check_scalar(value: Any, hint: Any, path: str) -> None:
    if hint is type(None):
        assert value is None, f"{path}: expected null, got {value!r}"
    elif hint is float:
        assert isinstance(value, int | float) and not isinstance(value, bool), f"{path}: {value!r}"
    elif hint is int:
        assert isinstance(value, int) and not isinstance(value, bool), f"{path}: {value!r}"
    elif hint in (str, bool):
        assert isinstance(value, hint), f"{path}: expected {hint.__name__}, got {value!r}"
    else:
        raise AssertionError(f"{path}: the checker does not know {hint!r}")


@cache
def _fields(hint: Any) -> dict[str, Any]:
    return te.get_type_hints(hint, include_extras=True)
