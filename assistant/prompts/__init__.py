"""Prompt templates live as text files beside this module and are rendered by name.

>>> "{passages}" in load("answer_user")
True
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).parent


@lru_cache(maxsize=None)
def load(name: str) -> str:
    return (HERE / f"{name}.txt").read_text(encoding="utf-8").strip()


def render(name: str, **values: str) -> str:
    return load(name).format(**values)


def format_passage(n: int, chunk) -> str:
    """A retrieved passage as numbered, delimited data for a prompt."""
    return f"<passage n={n} source=\"{chunk.source}\" heading=\"{chunk.heading}\">\n{chunk.text}\n</passage>"
