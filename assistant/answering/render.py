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
