"""cco: the Claude Code Orchestrator proxy."""

__version__ = "2026.11.1"
