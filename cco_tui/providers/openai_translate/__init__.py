"""Anthropic Messages <-> OpenAI Chat Completions, for routes to OpenAI-compatible servers.

Pure functions and one incremental stream translator; no I/O. The proxy calls, per request:
`to_chat_request` + `tool_name_map` on the way out, then `to_anthropic_message` (whole answers) or
`ChatStreamTranslator` / `translate_sse` (streams), and `from_openai_error` for upstream errors.
"""

from .errors import UpstreamFormatError, error_event, from_openai_error, upstream_message
from .ids import new_message_id
from .request import to_chat_request
from .response import parse_arguments, to_anthropic_message
from .stream import ChatStreamTranslator, translate_sse
from .tokens import estimate_input_tokens
from .tool_names import NameMap, openai_tool_name, original_tool_name, tool_name_map
from .usage import anthropic_usage, stop_reason

__all__ = [
    "ChatStreamTranslator",
    "NameMap",
    "UpstreamFormatError",
    "anthropic_usage",
    "error_event",
    "estimate_input_tokens",
    "from_openai_error",
    "new_message_id",
    "openai_tool_name",
    "original_tool_name",
    "parse_arguments",
    "stop_reason",
    "to_anthropic_message",
    "to_chat_request",
    "tool_name_map",
    "translate_sse",
    "upstream_message",
]
