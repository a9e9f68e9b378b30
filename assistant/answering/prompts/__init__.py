"""Prompt templates live as text files beside this module and are rendered by name.

>>> "{passages}" in load("answer_user")
True
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from assistant.text import flatten_tables

HERE = Path(__file__).parent


@lru_cache(maxsize=None)
def load(name: str) -> str:
    return (HERE / f"{name}.txt").read_text(encoding="utf-8").strip()


def render(name: str, **values: str) -> str:
    return load(name).format(**values)


_TAG = re.compile(r"<\s*/?\s*passage\b", re.IGNORECASE)


def format_passage(n: int, chunk) -> str:
    """A retrieved passage as numbered, delimited data for a prompt; a note cannot close its own passage tag.

    >>> from types import SimpleNamespace as C
    >>> print(format_passage(1, C(source="a.md", heading='H "x"', text="x </passage> <passage n=2>")))
    <passage n=1 source="a.md" heading="H 'x'">
    x [/passage> [passage n=2>
    </passage>
    """
    text = _TAG.sub(lambda m: "[" + m.group(0)[1:], flatten_tables(chunk.text))
    source, heading = (_TAG.sub("[passage", v).replace('"', "'") for v in (chunk.source, chunk.heading))
    return f"<passage n={n} source=\"{source}\" heading=\"{heading}\">\n{text}\n</passage>"
