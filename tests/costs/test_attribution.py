"""Project attribution: header, working directory in the prompt (both forms), git root, fallbacks."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from cco_tui.pipeline.attribution import project_for_directory, project_from_request, working_directory

NEW_FORM = "You are Claude Code.\n\nEnv:\n - Primary working directory: {path}\n - Is a git repo: true\n"
OLD_FORM = "Some preamble\n<env>\nWorking directory: {path}\nIs directory a git repo: No\nPlatform: linux\n</env>\n"


def _git_init(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def _body(system: Any = None, messages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"model": "claude-sonnet-4-5", "max_tokens": 10, "messages": messages or []}
    if system is not None:
        body["system"] = system
    return body


def test_header_wins_over_the_working_directory(tmp_path: Path) -> None:
    repo = _git_init(tmp_path / "webapp")
    body = _body(system=NEW_FORM.format(path=repo))
    assert project_from_request({"x-cco-project": " billing "}, body) == ("billing", str(repo))


def test_header_name_is_case_insensitive_for_plain_dicts() -> None:
    assert project_from_request({"X-CCO-Project": "ops"}, None) == ("ops", None)


def test_new_form_in_a_system_block_resolves_to_the_git_root(tmp_path: Path) -> None:
    repo = _git_init(tmp_path / "shop")
    nested = repo / "src" / "api"
    nested.mkdir(parents=True)
    system = [
        {"type": "text", "text": "You are Claude Code, Anthropic's official CLI."},
        {"type": "text", "text": NEW_FORM.format(path=nested), "cache_control": {"type": "ephemeral"}},
    ]
    assert project_from_request({}, _body(system=system)) == ("shop", str(nested))


def test_old_env_form_in_a_system_string(tmp_path: Path) -> None:
    plain = tmp_path / "notes"
    plain.mkdir()
    name, path = project_from_request({}, _body(system=OLD_FORM.format(path=plain)))
    assert (name, path) == ("notes", str(plain))  # exists but has no git root: its own name


def test_role_system_message_inside_messages(tmp_path: Path) -> None:
    repo = _git_init(tmp_path / "infra")
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": [{"type": "text", "text": NEW_FORM.format(path=repo)}]},
        {"role": "user", "content": "hi"},
    ]
    assert project_from_request({}, _body(messages=messages))[0] == "infra"


def test_user_message_text_block_and_string(tmp_path: Path) -> None:
    repo = _git_init(tmp_path / "mobile")
    block = [{"type": "text", "text": "<system-reminder>" + OLD_FORM.format(path=repo) + "</system-reminder>"}]
    as_string = OLD_FORM.format(path=repo)
    assert project_from_request({}, _body(messages=[{"role": "user", "content": block}]))[0] == "mobile"
    assert project_from_request({}, _body(messages=[{"role": "user", "content": as_string}]))[0] == "mobile"


def test_assistant_text_and_tool_results_are_not_searched() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "assistant", "content": "Working directory: /elsewhere/wrong"},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "t", "content": "Working directory: /x/y"}],
        },
    ]
    assert project_from_request({}, _body(messages=messages)) == ("default", None)


def test_the_earliest_mention_wins() -> None:
    body = _body(
        system=NEW_FORM.format(path="/home/dev/first"),
        messages=[{"role": "user", "content": NEW_FORM.format(path="/home/dev/second")}],
    )
    assert working_directory(body) == "/home/dev/first"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/home/someone/projects/api-server", "api-server"),  # not on this machine: last component
        ("/home/someone/projects/api-server/", "api-server"),
        ("C:\\Users\\dev\\game engine", "game engine"),
        ("relative/dir", "dir"),
    ],
)
def test_paths_not_on_this_machine_use_the_last_component(path: str, name: str) -> None:
    assert project_from_request({}, _body(system=NEW_FORM.format(path=path))) == (name, path)


def test_no_hint_at_all_is_default() -> None:
    assert project_from_request({}, _body(system="be brief", messages=[{"role": "user", "content": "hi"}])) == (
        "default",
        None,
    )
    assert project_from_request({}, None) == ("default", None)
    assert project_from_request({"x-cco-project": "   "}, {"system": 42, "messages": "junk"}) == (
        "default",
        None,
    )


def test_project_for_directory_uses_the_git_root(tmp_path: Path) -> None:
    repo = _git_init(tmp_path / "tooling")
    (repo / "a" / "b").mkdir(parents=True)
    assert project_for_directory(str(repo / "a" / "b")) == "tooling"
    assert project_for_directory("/") == "default"


def test_large_claude_code_body_is_found(tmp_path: Path) -> None:
    repo = _git_init(tmp_path / "big")
    tools = [{"name": f"tool{i}", "description": "x" * 3000, "input_schema": {}} for i in range(24)]
    system = [{"type": "text", "text": "y" * 20_000}, {"type": "text", "text": NEW_FORM.format(path=repo)}]
    body = _body(system=system, messages=[{"role": "user", "content": "z" * 5000}]) | {"tools": tools}
    assert project_from_request({}, body)[0] == "big"
