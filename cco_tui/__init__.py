"""cco: the Claude Code Orchestrator proxy."""

__version__ = "2026.12.1"
