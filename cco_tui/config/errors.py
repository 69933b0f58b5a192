"""The one error type for bad configuration: it always names the file, the key and the problem."""

from __future__ import annotations


class ConfigError(Exception):
    def __init__(self, file: str, key: str, problem: str) -> None:
        super().__init__(f"{file}: {key}: {problem}")
        self.file = file
        self.key = key
        self.problem = problem
