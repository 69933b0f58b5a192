"""Typed access to one object of a JSON config file, with errors that name the file and the dotted key."""

from __future__ import annotations

from typing import Any

from cco_tui.config.errors import ConfigError


class JsonReader:
    """Typed access to one JSON object, with errors that name the file and the dotted key."""

    def __init__(self, data: Any, file: str, prefix: str = "", where: str | None = None) -> None:
        """`prefix` goes before each key in errors (`cache.`, `limits[2].`); `where` names the object itself."""
        if not isinstance(data, dict):
            raise ConfigError(file, where or prefix or "(root)", "must be a JSON object")
        self.data, self.file, self.prefix = data, file, prefix

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.file, self.prefix + key, problem)

    def number(self, key: str, default: float, minimum: float = 0.0) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= minimum:
            raise self.fail(key, f"must be a number greater than {minimum:g}, got {value!r}")
        return float(value)

    def integer(self, key: str, default: int) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(key, f"must be a positive integer, got {value!r}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {value!r}")
        return value

    def choice(self, key: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.data.get(key, default)
        if value not in allowed:
            raise self.fail(key, f"must be one of {', '.join(allowed)}, got {value!r}")
        return str(value)

    def optional_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self.fail(key, f"must be a URL or a file path, got {value!r}")
        return value.strip() if value is not None else None

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(key, "must be a list of strings")
        return tuple(value)

    def optional_string(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            raise self.fail(key, f"must be a non-empty string, got {value!r}")
        return value

    def only(self, *known: str) -> JsonReader:
        """A typo (`max_bodybytes`) must not be silently ignored; keys starting with `_` are comments."""
        unknown = sorted(key for key in self.data if key not in known and not str(key).startswith("_"))
        if unknown:
            raise self.fail(unknown[0], f"unknown key (known: {', '.join(known)})")
        return self

    def section(self, key: str) -> JsonReader:
        return JsonReader(self.data.get(key, {}), self.file, f"{self.prefix}{key}.")

    def text(self, key: str, default: str) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string, got {value!r}")
        return value

    def count(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(key, f"must be a positive integer, got {value!r}")
        return value

    def amount(self, key: str) -> float:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.fail(key, f"must be a number of USD, 0 or more, got {value!r}")
        return float(value)
