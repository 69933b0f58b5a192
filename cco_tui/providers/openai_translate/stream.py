"""A streamed chat completion (OpenAI SSE chunks) -> Anthropic Messages SSE events, chunk by chunk.

Event order follows Anthropic's: `message_start`; per content block `content_block_start`, deltas,
`content_block_stop` (one block open at a time); then `message_delta` (stop_reason + cumulative usage) and
`message_stop`. OpenAI sends usage after the finish_reason (`include_usage`), so the closing events wait for
that usage chunk or for the end of the stream (`finish()`).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from cco_tui.wire.sse import SSEEvent, SSEParser, encode_event

from .content import JSON
from .errors import error_event, upstream_message
from .ids import new_message_id, tool_use_id
from .tool_names import NameMap, original_tool_name
from .usage import anthropic_usage, stop_reason

_CHARS_PER_TOKEN = 4


@dataclass(slots=True)
class _ToolCall:
    """One upstream tool call (one `tool_calls[].index`) and how much of it the client has seen."""

    upstream_id: str
    id: str
    name: str = ""
    arguments: str = ""  # everything received, cumulative snapshots de-duplicated
    forwarded: int = 0  # characters of `arguments` already sent as input_json_delta
    block: int | None = None  # the Anthropic block index, once opened (that needs the name)
    snapshots: bool | None = None  # does the server resend everything so far? decided by fragment two

    def receive(self, fragment: str) -> None:
        """Append a fragment, or only the new tail of a cumulative snapshot.

        A server sends either pieces or snapshots, so the mode is decided once, when the second piece
        arrives: it starts with the first one only if it is a snapshot. Deciding per piece would misread a
        later piece that happens to repeat the text so far (`{"k"` + `: ` + `{"k": 1}}`). Only a second
        piece that repeats the first stays ambiguous. A last resend of the complete arguments is dropped.
        """
        if not fragment:
            return
        if self.snapshots is None and self.arguments:
            self.snapshots = fragment.startswith(self.arguments)
        if self.snapshots and fragment.startswith(self.arguments):
            fragment = fragment[len(self.arguments) :]
        elif fragment == self.arguments and _is_json(fragment):
            fragment = ""
        self.arguments += fragment


class ChatStreamTranslator:
    """Feed it upstream chunks (parsed JSON) or SSE events; it returns the Anthropic SSE bytes to relay.

    `fallback_input_tokens` is reported as input usage when the upstream sends no usage at all (output
    tokens are then estimated from the streamed characters); see `usage_reported`.
    """

    def __init__(
        self,
        requested_model: str,
        name_map: NameMap,
        message_id: str | None = None,
        *,
        fallback_input_tokens: int = 0,
    ) -> None:
        self.requested_model = requested_model
        self.message_id = message_id or new_message_id()
        self._name_map = name_map
        self._fallback_input_tokens = fallback_input_tokens
        self._out: list[bytes] = []
        self._started = False
        self._done = False
        self._saw_done_marker = False
        self._next_block = 0
        self._open_block: int | None = None
        self._open_is_text = False
        self._tools: dict[int, _ToolCall] = {}
        self._last_tool_key = 0
        self._finish_reason: str | None = None
        self._upstream_usage: Mapping[str, Any] | None = None
        self._output_chars = 0

    # -- public API -------------------------------------------------------------------------------

    def start(self) -> bytes:
        """`message_start`, if not sent yet (feed() sends it by itself; call this to send it earlier)."""
        if self._done:
            return b""
        self._start()
        return self._flush()

    def feed(self, chunk: Mapping[str, Any]) -> bytes:
        """Translate one `chat.completion.chunk`; returns the events it completed (maybe none)."""
        if self._done:
            return b""
        self._start()
        finished_before = self._finish_reason is not None
        for choice in chunk.get("choices") or ():
            if isinstance(choice, dict) and choice.get("index", 0) == 0:
                self._take_choice(choice)
        self._take_usage(chunk.get("usage"), finished_before)
        return self._flush()

    def feed_event(self, event: SSEEvent) -> bytes:
        """Translate one upstream SSE event: `[DONE]` is noted, an `{"error": …}` payload aborts."""
        data = event.data.strip()
        if data == "[DONE]":
            self._saw_done_marker = True
            return b""
        chunk = _json_object(data)
        if self._done or chunk is None:
            return b""
        if "error" in chunk and not chunk.get("choices"):
            return self.abort(upstream_message(chunk) or "upstream stream failed")
        return self.feed(chunk)

    def finish(self) -> bytes:
        """Close the open block, then `message_delta` (stop_reason, usage) and `message_stop`. Idempotent."""
        if self._done:
            return b""
        self._start()
        self._close_message()
        return self._flush()

    def abort(self, message: str, error_type: str = "api_error") -> bytes:
        """End the stream with an Anthropic `error` event (a failure after the stream started)."""
        if self._done:
            return b""
        self._done = True
        return self._flush() + error_event(message, error_type)

    @property
    def complete(self) -> bool:
        """The upstream signalled a proper end (`finish_reason` or `[DONE]`), as opposed to breaking off."""
        return self._saw_done_marker or self._finish_reason is not None

    @property
    def done(self) -> bool:
        """The closing events (or an error event) have been produced; further input is ignored."""
        return self._done

    @property
    def stop_reason(self) -> str:
        return stop_reason(self._finish_reason, any(t.block is not None for t in self._tools.values()))

    @property
    def usage_reported(self) -> bool:
        """False when the upstream sent no usage and `usage` is an estimate."""
        return self._upstream_usage is not None

    @property
    def usage(self) -> JSON:
        """Anthropic usage so far (what the final `message_delta` carries)."""
        if self._upstream_usage is not None:
            return anthropic_usage(self._upstream_usage)
        output = -(-self._output_chars // _CHARS_PER_TOKEN)
        return {
            "input_tokens": self._fallback_input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": output,
        }

    # -- chunk parts (parsed JSON, so plain dicts: checked as dict, cheaper than Mapping per chunk) -----

    def _take_choice(self, choice: Mapping[str, Any]) -> None:
        delta = choice.get("delta") or {}
        self._take_text(delta.get("content"))
        self._take_text(delta.get("refusal"))
        for call in delta.get("tool_calls") or ():
            if isinstance(call, dict):
                self._take_tool_call(call)
        if choice.get("finish_reason"):
            self._finish_reason = str(choice["finish_reason"])

    def _take_usage(self, usage: Any, finished_before: bool) -> None:
        if not isinstance(usage, dict) or not usage:
            return
        self._upstream_usage = usage
        if finished_before:  # the include_usage chunk after the finish_reason: the answer is complete
            self._close_message()

    def _take_text(self, text: Any) -> None:
        if not isinstance(text, str) or not text:
            return
        if self._open_block is None or not self._open_is_text:
            self._open({"type": "text", "text": ""}, is_text=True)
        self._delta(self._open_block, {"type": "text_delta", "text": text})
        self._output_chars += len(text)

    def _take_tool_call(self, call: Mapping[str, Any]) -> None:
        tool = self._tool_for(call)
        function = call.get("function") or {}
        tool.name = tool.name or str(function.get("name") or "")
        tool.receive(_arguments_text(function.get("arguments")))
        if tool.block is None and tool.name:
            tool.block = self._open(self._tool_use_start(tool), is_text=False)
        if tool.block is not None:
            self._forward_arguments(tool)

    def _tool_for(self, call: Mapping[str, Any]) -> _ToolCall:
        key = self._tool_key(call)
        if key not in self._tools:
            upstream_id = str(call.get("id") or "")
            self._tools[key] = _ToolCall(upstream_id=upstream_id, id=tool_use_id(upstream_id))
        self._last_tool_key = key
        return self._tools[key]

    def _tool_key(self, call: Mapping[str, Any]) -> int:
        """`index` when given; else the call id (some servers omit index); else the latest call."""
        index = call.get("index")
        if isinstance(index, int):
            return index
        call_id = call.get("id")
        if not call_id:
            return self._last_tool_key
        known = (key for key, tool in self._tools.items() if tool.upstream_id == call_id)
        return next(known, max(self._tools, default=-1) + 1)

    def _tool_use_start(self, tool: _ToolCall) -> JSON:
        name = original_tool_name(tool.name, self._name_map)
        return {"type": "tool_use", "id": tool.id, "name": name, "input": {}}

    def _forward_arguments(self, tool: _ToolCall) -> None:
        """Arguments go out as input_json_delta: clients ignore `input` in content_block_start."""
        fragment = tool.arguments[tool.forwarded :]
        if not fragment:
            return
        self._delta(tool.block, {"type": "input_json_delta", "partial_json": fragment})
        tool.forwarded = len(tool.arguments)
        self._output_chars += len(fragment)

    # -- event emission ---------------------------------------------------------------------------

    def _start(self) -> None:
        if self._started:
            return
        self._started = True
        zero_usage = {
            "input_tokens": 0,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": 0,
        }
        message: JSON = {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "model": self.requested_model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": zero_usage,  # input is known only at the end; the final message_delta carries it
        }
        self._emit("message_start", {"type": "message_start", "message": message})

    def _open(self, block: JSON, *, is_text: bool) -> int:
        self._close_block()
        index = self._next_block
        self._next_block += 1
        start = {"type": "content_block_start", "index": index, "content_block": block}
        self._emit("content_block_start", start)
        self._open_block, self._open_is_text = index, is_text
        return index

    def _close_block(self) -> None:
        if self._open_block is not None:
            self._emit("content_block_stop", {"type": "content_block_stop", "index": self._open_block})
            self._open_block = None

    def _close_message(self) -> None:
        self._close_block()
        delta = {"stop_reason": self.stop_reason, "stop_sequence": None}
        self._emit("message_delta", {"type": "message_delta", "delta": delta, "usage": self.usage})
        self._emit("message_stop", {"type": "message_stop"})
        self._done = True

    def _delta(self, index: int | None, delta: JSON) -> None:
        self._emit("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})

    def _emit(self, event: str, data: JSON) -> None:
        self._out.append(encode_event(event, data))

    def _flush(self) -> bytes:
        out = b"".join(self._out)
        self._out.clear()
        return out


async def translate_sse(chunks: AsyncIterable[bytes], translator: ChatStreamTranslator) -> AsyncIterator[bytes]:
    """Raw OpenAI SSE bytes in (as they arrive), Anthropic SSE bytes out.

    At the end of the input the stream is closed properly when the upstream finished, and with an
    `error` event when it broke off mid-answer. Exceptions from `chunks` (network errors) propagate.
    """
    parser = SSEParser()
    async for raw in chunks:
        out = _feed_all(translator, parser.feed(raw))
        if out:
            yield out
    tail = _feed_all(translator, parser.close()) + _ending(translator)
    if tail:
        yield tail


def _feed_all(translator: ChatStreamTranslator, events: list[SSEEvent]) -> bytes:
    return b"".join(translator.feed_event(event) for event in events)


def _ending(translator: ChatStreamTranslator) -> bytes:
    if translator.complete:
        return translator.finish()
    return translator.abort("upstream stream ended before the answer was complete")


def _arguments_text(arguments: Any) -> str:
    """Arguments are a JSON string fragment; a few servers send the whole object instead."""
    if isinstance(arguments, str):
        return arguments
    if isinstance(arguments, dict):
        return orjson.dumps(arguments).decode()
    return ""


def _is_json(text: str) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


def _json_object(data: str) -> Mapping[str, Any] | None:
    try:
        parsed = orjson.loads(data) if data else None
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None
