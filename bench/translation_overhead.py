"""Translation overhead per request on OpenAI-compatible routes (what translation adds over pass-through).

Run: `.venv/bin/python -m bench.translation_overhead [--count N]`. Uses the ~75 KB Claude-Code-shaped body
with 24 tools from bench/bodies.py plus one tool round (assistant tool_use, user tool_result). Prints p50/p99
in milliseconds for:
  request     to_chat_request + tool_name_map + serialising the chat body
  response    parsing a whole chat completion + to_anthropic_message + serialising
  stream      ~200 OpenAI SSE chunks (text, then a tool call in fragments, finish, usage) as raw bytes
              through translate_sse (parse + translate + encode)
and the per-request totals for a whole and a streamed answer. Stream time is spread over the answer: each
chunk is delayed only by its own share (the "per chunk" line).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson

from bench.bodies import claude_code_body
from cco_tui.providers.openai_translate import (
    ChatStreamTranslator,
    to_anthropic_message,
    to_chat_request,
    tool_name_map,
    translate_sse,
)

STREAM_TEXT_CHUNKS = 170
STREAM_ARGUMENT_CHUNKS = 27


def request_body() -> dict[str, Any]:
    body = claude_code_body(model="gpt-4o", stream=True)
    call = {"type": "tool_use", "id": "toolu_01", "name": "Tool3", "input": {"param_0": "src/main.py"}}
    result = {"type": "tool_result", "tool_use_id": "toolu_01", "content": "def main():\n    pass\n" * 40}
    body["messages"] += [
        {"role": "assistant", "content": [{"type": "text", "text": "Reading it."}, call]},
        {"role": "user", "content": [result, {"type": "text", "text": "Explain it."}]},
    ]
    return body


def chat_completion() -> bytes:
    calls = [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "Tool5", "arguments": orjson.dumps({"param_0": "x" * 200}).decode()},
        }
    ]
    message = {"role": "assistant", "content": "Here is the explanation. " * 60, "tool_calls": calls}
    return orjson.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": "gpt-4o",
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
            "usage": {
                "prompt_tokens": 18000,
                "completion_tokens": 400,
                "prompt_tokens_details": {"cached_tokens": 16000},
            },
        }
    )


def _frame(delta: dict[str, Any], finish: str | None = None) -> bytes:
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + orjson.dumps(chunk) + b"\n\n"


def _argument_pieces() -> list[str]:
    return ['{"param_0": "', *["x"] * (STREAM_ARGUMENT_CHUNKS - 2), '"}']


def stream_bytes() -> list[bytes]:
    """One network read per chunk, as an upstream flushing each token would produce."""
    reads = [_frame({"role": "assistant", "content": ""})]
    reads += [_frame({"content": f"word{n} "}) for n in range(STREAM_TEXT_CHUNKS)]
    head = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "Tool5", "arguments": ""}}
    reads.append(_frame({"tool_calls": [head]}))
    reads += [_frame({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}) for piece in _argument_pieces()]
    reads.append(_frame({}, "tool_calls"))
    usage = {"prompt_tokens": 18000, "completion_tokens": 400, "prompt_tokens_details": {"cached_tokens": 16000}}
    reads.append(b"data: " + orjson.dumps({"id": "chatcmpl-1", "choices": [], "usage": usage}) + b"\n\n")
    return [*reads, b"data: [DONE]\n\n"]


def translate_request(body: dict[str, Any]) -> bytes:
    tool_name_map(body)
    return orjson.dumps(to_chat_request(body, "gpt-4o", True))


def translate_response(raw: bytes, name_map: dict[str, str]) -> bytes:
    return orjson.dumps(to_anthropic_message(orjson.loads(raw), "gpt-4o", name_map))


async def translate_stream(reads: list[bytes], name_map: dict[str, str]) -> int:
    async def upstream() -> AsyncIterator[bytes]:
        for read in reads:
            yield read

    translator = ChatStreamTranslator("gpt-4o", name_map, "msg_bench")
    return sum([len(part) async for part in translate_sse(upstream(), translator)])


def timed(count: int, run: Callable[[], object]) -> list[float]:
    for _ in range(count // 10):
        run()
    samples = []
    for _ in range(count):
        start = time.perf_counter_ns()
        run()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def row(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{name:<34} p50 {statistics.median(ordered):7.3f} ms   p99 {p99:7.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    count = parser.parse_args().count
    body, completion, reads = request_body(), chat_completion(), stream_bytes()
    loop = asyncio.new_event_loop()
    request = timed(count, lambda: translate_request(body))
    response = timed(count, lambda: translate_response(completion, {}))
    stream = timed(count, lambda: loop.run_until_complete(translate_stream(reads, {})))
    loop.close()
    print(
        f"request body {len(orjson.dumps(body))} B, {len(body['tools'])} tools; "
        f"stream {len(reads)} reads; {count} runs each"
    )
    print(row("request (Anthropic -> chat)", request))
    print(row("response (whole, chat -> Anthropic)", response))
    print(row(f"stream ({len(reads)} chunks)", stream))
    print(row("stream, per chunk", [sample / len(reads) for sample in stream]))
    print(row("per request, whole answer", [a + b for a, b in zip(request, response, strict=True)]))
    print(row("per request, streamed answer", [a + b for a, b in zip(request, stream, strict=True)]))


if __name__ == "__main__":
    main()
