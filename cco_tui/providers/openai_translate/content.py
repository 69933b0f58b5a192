"""Anthropic content blocks -> Chat Completions content parts (user side) and plain text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

JSON = dict[str, Any]
Block = Mapping[str, Any]

TEXT_JOINER = "\n\n"  # separate blocks stay separate paragraphs once flattened into one string


def plain_text(content: str | Iterable[Block] | None) -> str:
    """The text of a string or of a block list (text blocks and text documents), blocks joined."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return TEXT_JOINER.join(text for block in content if (text := _block_text(block)))


def user_parts(block: Block) -> list[JSON]:
    """The content parts a user-side block becomes; blocks OpenAI cannot take become nothing."""
    kind = block.get("type")
    if kind == "text":
        return [text_part(block.get("text", ""))]
    if kind == "image":
        return [image_part(block.get("source") or {})]
    if kind == "document":
        return document_parts(block)
    return []


def text_part(text: str) -> JSON:
    return {"type": "text", "text": text}


def image_part(source: Block) -> JSON:
    """A base64 or URL image as `image_url`; other sources (file ids) cannot be fetched upstream."""
    if source.get("type") == "base64":
        url = f"data:{source.get('media_type', 'image/png')};base64,{source.get('data', '')}"
        return {"type": "image_url", "image_url": {"url": url}}
    if source.get("type") == "url":
        return {"type": "image_url", "image_url": {"url": source.get("url", "")}}
    return text_part(f"[image omitted: {source.get('type', 'unknown')} source is not available upstream]")


def document_parts(block: Block) -> list[JSON]:
    """Text documents become text; base64 PDFs become a `file` part; a URL is named in text."""
    source = block.get("source") or {}
    kind = source.get("type")
    if kind == "base64":
        media = source.get("media_type", "application/pdf")
        data = f"data:{media};base64,{source.get('data', '')}"
        return [{"type": "file", "file": {"file_data": data, "filename": block.get("title") or "document"}}]
    if kind == "url":
        return [text_part(f"[document: {source.get('url', '')}]")]
    text = _block_text(block)
    return [text_part(text)] if text else []


def collapse(parts: list[JSON]) -> str | list[JSON]:
    """Text-only content as one string (accepted by every OpenAI-compatible server), else the parts."""
    if all(part["type"] == "text" for part in parts):
        return TEXT_JOINER.join(part["text"] for part in parts)
    return parts


def _block_text(block: Block) -> str:
    kind = block.get("type")
    if kind == "text":
        return str(block.get("text", ""))
    if kind == "document":
        return _document_text(block.get("source") or {})
    return ""


def _document_text(source: Block) -> str:
    if source.get("type") == "text":
        return str(source.get("data", ""))
    if source.get("type") == "content":
        return plain_text(source.get("content"))
    return ""
