"""Make model or note text inert before a learner sees it: no live links, images, HTML or control codes.

>>> inert('See [here](javascript:alert(1)) ![x](http://evil/p.png) <script>x</script>')
'See here (link removed) [image removed] ‹script›x‹/script›'
"""
from __future__ import annotations

import re

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])*)\]\((?:[^()]|\([^)]*\))*\)")  # label may hold one [..] (an image)
_AUTOLINK = re.compile(r"<(?:https?|javascript|data|file):[^>]*>", re.IGNORECASE)
_SCHEME = re.compile(r"\b(javascript|data|vbscript):", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")  # an HTML tag: shown with look-alike brackets, never parsed
_REF_DEFINITION = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*\S+.*$", re.MULTILINE)  # [x]: http://... (reference links)
# C0/C1 control codes (terminal escapes: CSI, OSC 8 hyperlinks), bidi overrides and zero-width characters that
# make text read differently from what it is
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def inert(text: str) -> str:
    text = _CONTROL.sub("", text)
    text = _IMAGE.sub("[image removed]", text)
    text = _REF_DEFINITION.sub("(link removed)", text)
    text = _LINK.sub(r"\1 (link removed)", text)
    text = _AUTOLINK.sub("(link removed)", text)
    text = _SCHEME.sub(r"\1 :", text)
    return _TAG.sub(lambda m: m.group(0).replace("<", "‹").replace(">", "›"), text)


_MARK = re.compile(r"\[(\d+)\]")


def renumber(text: str, citations: list) -> tuple[str, list]:
    """Citation numbers as the learner reads them: 1..n in order of first appearance in the text (the model's
    numbers follow the passages it was given, so an answer citing passages 1 and 5 would show [1] and [5]).
    Citations the text never marks keep their order after the marked ones; the originals are not changed.

    >>> from types import SimpleNamespace as C
    >>> text, cites = renumber("Use X [5]. Also Y [1][5].", [C(n=1, id="a"), C(n=5, id="b")])
    >>> text, [(c.n, c.id) for c in cites]
    ('Use X [1]. Also Y [2][1].', [(1, 'b'), (2, 'a')])
    """
    import copy

    order = list(dict.fromkeys(int(m) for m in _MARK.findall(text or "")))
    known = {c.n for c in citations}
    order = [n for n in order if n in known] + [c.n for c in citations if c.n not in order]
    new = {old: i for i, old in enumerate(order, 1)}
    text = _MARK.sub(lambda m: f"[{new[int(m.group(1))]}]" if int(m.group(1)) in new else m.group(0), text or "")
    renumbered = []
    for c in sorted(citations, key=lambda c: new[c.n]):
        c = copy.copy(c)
        c.n = new[c.n]
        renumbered.append(c)
    return text, renumbered
