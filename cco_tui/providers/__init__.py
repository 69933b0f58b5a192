"""Providers: how cco talks to each kind of upstream (pass-through, OpenAI-compatible translation)."""
