"""What kind of call a request is, when Claude Code does not say: its side calls, told apart from the main loop.

Rules, from the requests of the pinned CLIs (2.1.197, 2.1.332; samples in tests/routing/fixtures/):
- `background` (rule `title`): the session-title call. No tools, a system block starting "Generate a concise,
  sentence-case title", and `output_config.format` a JSON schema whose only property is `title`.
- `compaction` (rule `compaction`): `/compact` and auto-compaction. The last user message ends with the
  instruction to answer with an `<analysis>` block and a `<summary>` block and to call no tools.
- anything else is `main` (subagents too: `agent` tells them apart, from the x-claude-code-agent-id header).
A hint header (x-claude-code-request-class) wins over these rules when a client sends it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAIN = "main"
BACKGROUND = "background"
COMPACTION = "compaction"
TITLE_PROMPT = "Generate a concise, sentence-case title"
COMPACTION_MARKERS = ("<summary>", "Do NOT call any tools")


def classify(payload: Mapping[str, Any] | None) -> tuple[str, str]:
    """(request class, the rule that decided it)."""
    if not payload:
        return MAIN, MAIN
    if not payload.get("tools") and is_title_call(payload):
        return BACKGROUND, "title"
    if is_compaction(payload.get("messages")):
        return COMPACTION, "compaction"
    return MAIN, MAIN


def is_title_call(payload: Mapping[str, Any]) -> bool:
    output = payload.get("output_config")
    schema = output.get("format", {}).get("schema") if isinstance(output, Mapping) else None
    if isinstance(schema, Mapping) and list(schema.get("properties") or ()) == ["title"]:
        return True
    system = payload.get("system")
    blocks = system if isinstance(system, list) else [{"text": system}]
    return any(isinstance(b, Mapping) and str(b.get("text", "")).startswith(TITLE_PROMPT) for b in blocks)


def is_compaction(messages: Any) -> bool:
    """Only the last message's last text is read: the instruction is appended there, and a long conversation
    must not be scanned on every request."""
    if not isinstance(messages, list) or not messages or not isinstance(messages[-1], Mapping):
        return False
    last = messages[-1]
    if last.get("role") != "user":
        return False
    text = _last_text(last.get("content"))
    return all(marker in text for marker in COMPACTION_MARKERS)


def _last_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    for block in reversed(content):
        if isinstance(block, Mapping) and block.get("type") == "text":
            return str(block.get("text", ""))
    return ""
