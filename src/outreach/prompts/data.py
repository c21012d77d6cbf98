"""Where the prompts' wording is read from, and in which language.

The English files sit in ``resources/prompts/``. A translation is the same file, the ids
kept and the words changed, in ``resources/prompts/<language>/`` (``cy``, ``pl``, or a
full name such as ``pt_BR``): reviewers and translators edit data, never code. Files or
entries a translation leaves out fall back to English.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

_language = ""


def set_language(name: str) -> None:
    """The UI's language (a Qt locale name such as ``cy_GB``); call before first use."""
    global _language
    _language = name


def read(file_name: str) -> dict[str, Any]:
    folder = resources.files("outreach.resources") / "prompts"
    english = tomllib.loads((folder / file_name).read_text("utf-8"))
    for candidate in (_language, _language.split("_")[0]):
        if candidate:
            translated = folder / candidate / file_name
            if translated.is_file():
                return _overlay(english, tomllib.loads(translated.read_text("utf-8")))
    return english


def _overlay(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _overlay(base[key], value)
        else:
            merged[key] = value
    return merged
