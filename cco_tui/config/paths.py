"""Where cco's files live: the defaults shipped with the package, and the user's config directory."""

from __future__ import annotations

from pathlib import Path

import platformdirs


def shipped_config_dir() -> Path:
    """The defaults inside the wheel, or the repository's config/ in a source checkout."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "_shipped_config"
    return packaged if packaged.is_dir() else package.parent / "config"


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir("cco"))
