"""Markdown notes: front matter and the sections under each heading path.

Pure Python (stdlib + PyYAML) so that the corpus checks can use it without loading models.

>>> doc = parse_markdown("---\\ntitle: T\\ndomain: 1\\n---\\n# T\\nintro\\n## Why\\nbecause\\n")
>>> doc.meta["domain"], [(s.heading, s.text) for s in doc.sections]
(1, [('T', 'intro'), ('T > Why', 'because')])
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

HEADING_SEPARATOR = " > "
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


class FrontMatterError(ValueError):
    """The YAML block between the leading '---' lines does not parse to a mapping."""


@dataclass
class Section:
    heading: str  # heading path, e.g. "SageMaker training > Managed warm pools"
    level: int  # depth of the deepest heading (0 = text before any heading)
    text: str


@dataclass
class MarkdownDoc:
    meta: dict = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)

    def section(self, heading: str) -> Section | None:
        return next((s for s in self.sections if s.heading == heading), None)

    def section_tree_text(self, heading: str) -> str:
        """Text of a section and of every section nested under it."""
        prefix = heading + HEADING_SEPARATOR
        return "\n".join(s.text for s in self.sections if s.heading == heading or s.heading.startswith(prefix))


def split_front_matter(text: str) -> tuple[dict, str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise FrontMatterError("front matter must be a YAML mapping (key: value lines)")
    return meta, text[match.end():]


def parse_markdown(text: str) -> MarkdownDoc:
    """Split Markdown into sections keyed by their heading path (fenced code is never a heading)."""
    meta, body = split_front_matter(text)
    doc = MarkdownDoc(meta=meta)
    stack: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        content = "\n".join(lines).strip()
        if content:
            heading = HEADING_SEPARATOR.join(title for _, title in stack)
            doc.sections.append(Section(heading=heading, level=len(stack), text=content))
        lines.clear()

    for line in body.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, _clean_heading(match.group(2))))
        else:
            lines.append(line)
    flush()
    return doc


def _clean_heading(title: str) -> str:
    # Strip inline emphasis/code marks so the heading path reads well as a citation.
    return re.sub(r"[*_`]+", "", title).strip()
