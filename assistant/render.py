"""Make model or note text inert before a learner sees it: no live links, images, HTML or control codes.

>>> inert('See [here](javascript:alert(1)) ![x](http://evil/p.png) <script>x</script>')
'See here (link removed) [image removed] ‹script›x‹/script›'
"""
from __future__ import annotations

import re

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)")
_AUTOLINK = re.compile(r"<(?:https?|javascript|data|file):[^>]*>", re.IGNORECASE)
_SCHEME = re.compile(r"\b(javascript|data|vbscript):", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")  # an HTML tag: shown with look-alike brackets, never parsed
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x1b]")


def inert(text: str) -> str:
    text = _CONTROL.sub("", text)  # terminal escape codes included
    text = _IMAGE.sub("[image removed]", text)
    text = _LINK.sub(r"\1 (link removed)", text)
    text = _AUTOLINK.sub("(link removed)", text)
    text = _SCHEME.sub(r"\1 :", text)
    return _TAG.sub(lambda m: m.group(0).replace("<", "‹").replace(">", "›"), text)
