"""A question as a learner pastes it: options inline ("... ? A) x B) y"), one per line, or given apart.

One parser for `study explain --question` and the Explain page, so both read a paste the same way.

>>> p = parse_pasted("Which service detects drift? A) Model Monitor B) Debugger C) Clarify")
>>> p.stem, p.options
('Which service detects drift?', ['Model Monitor', 'Debugger', 'Clarify'])
>>> parse_pasted("Pick one\\nA. Glue\\nB. EMR").options
['Glue', 'EMR']
>>> parse_pasted("Pick one", ["A. Glue", "b) EMR"]).options  # letters typed with the options are not doubled
['Glue', 'EMR']
>>> choice_index("b)", 4), choice_index("3", 4)
(1, 2)
"""
from __future__ import annotations

import re
from dataclasses import dataclass

LETTERS = "ABCDEFGH"
# "A)", "A.", "A:", "(A)", "a)" -- a marker is a lone letter, so "A.I." or "B2B" never start an option
_MARKER = r"(?:\(\s*{l}\s*\)|{l}\s*[.):])"
_LINE_MARKER = re.compile(r"^\s*(?:\(\s*([A-Ha-h])\s*\)|([A-Ha-h])\s*[.):]|(\d{1,2})\s*[.)])\s+(.*\S)\s*$")


class PasteError(ValueError):
    """The paste cannot be read as a question with options; the message says what to fix."""


@dataclass
class PastedQuestion:
    stem: str
    options: list[str]


def strip_marker(option: str) -> str:
    """'A. Glue' -> 'Glue'; text without a leading letter marker is kept as it is."""
    m = _LINE_MARKER.match(option)
    return m.group(4).strip() if m and not m.group(3) else option.strip()


def _inline(text: str) -> PastedQuestion | None:
    """Options written on one line after the stem: "... ? A) x B) y C) z", letters in order from A."""
    for upper in (True, False):
        letters = LETTERS if upper else LETTERS.lower()
        starts, pos = [], 0
        for letter in letters:
            pattern = re.compile(r"(?:(?<=\s)|^)" + _MARKER.format(l=re.escape(letter)) + r"\s+")
            m = pattern.search(text, pos)
            if not m:
                break
            starts.append(m)
            pos = m.end()
        if len(starts) >= 2 and (upper or text[: starts[0].start()].rstrip().endswith(("?", ":", "."))):
            stem = text[: starts[0].start()].strip()
            bounds = [m.end() for m in starts] + [len(text)]
            ends = [m.start() for m in starts[1:]] + [len(text)]
            options = [text[b:e].strip().rstrip(";,").strip() for b, e in zip(bounds, ends)]
            if stem and all(options):
                return PastedQuestion(stem, options)
    return None


def parse_pasted(text: str, options: list[str] | None = None) -> PastedQuestion:
    """The stem and its options from a paste; `options` given apart win over options found in the text."""
    text = (text or "").strip()
    if not text:
        raise PasteError("the question is empty: paste the question text (with its options, or give them apart)")
    given = [strip_marker(o) for o in (options or []) if o and o.strip()]
    if given:
        return _checked(PastedQuestion(text, given))
    lines = [line for line in text.splitlines() if line.strip()]
    marked = [(_LINE_MARKER.match(line), line) for line in lines]
    first = next((i for i, (m, _) in enumerate(marked) if m), None)
    if first is not None and first > 0 and all(m for m, _ in marked[first:]):
        return _checked(PastedQuestion(" ".join(line.strip() for line in lines[:first]),
                                       [m.group(4).strip() for m, _ in marked[first:]]))
    inline = _inline(" ".join(line.strip() for line in lines))
    if inline:
        return _checked(inline)
    stem_end = next((i for i, line in enumerate(lines) if line.rstrip().endswith(("?", ":"))), None)
    if stem_end is not None and len(lines) - stem_end - 1 >= 2:  # the stem, then one bare option a line
        return _checked(PastedQuestion(" ".join(line.strip() for line in lines[: stem_end + 1]),
                                       [line.strip() for line in lines[stem_end + 1:]]))
    raise PasteError("no options found: put them after the question as 'A) ... B) ...', one per line "
                     "('A. ...'), or give each with --option")


def _checked(q: PastedQuestion) -> PastedQuestion:
    if len(q.options) < 2:
        raise PasteError(f"found {len(q.options)} option(s); a question needs at least two")
    if len(q.options) > len(LETTERS):
        raise PasteError(f"found {len(q.options)} options; at most {len(LETTERS)} are supported")
    return q


def choice_index(answer: str, n_options: int) -> int:
    """'B', 'b)', '(b)' or '2' -> 1, checked against the number of options."""
    raw = (answer or "").strip().strip("().:").strip()
    if raw.isdigit():
        index = int(raw) - 1
    elif len(raw) == 1 and raw.upper() in LETTERS:
        index = LETTERS.index(raw.upper())
    else:
        raise PasteError(f"answer {answer!r} is not an option: give a letter (A, B, ...) or a number (1, 2, ...)")
    if not 0 <= index < n_options:
        raise PasteError(f"answer {answer!r} is not among the {n_options} options")
    return index
