"""Show a JSON answer as readable text while it streams: the "text" values, each followed by its cites.

>>> s = JsonAnswerStream()
>>> "".join(s.feed(p) for p in ['{"sentences": [{"cites": [1, 2], "te', 'xt": "Warm pools', ' help."}]}'])
'Warm pools help. [1][2] '
"""
from __future__ import annotations

import json


class JsonAnswerStream:
    def __init__(self, text_key: str = "text", cites_key: str = "cites"):
        self.text_key, self.cites_key = text_key, cites_key
        self.in_string = self.escape = False
        self.string = ""
        self.last_key = None
        self.expect_key = False
        self.depth_stack: list[str] = []
        self.cites: list[int] = []
        self.cites_buf: str | None = None
        self.unicode_buf: str | None = None

    def feed(self, piece: str) -> str:
        out = []
        for ch in piece:
            out.append(self._char(ch))
        return "".join(out)

    def _char(self, ch: str) -> str:
        if self.cites_buf is not None and not self.in_string:
            self.cites_buf += ch
            if ch == "]":
                try:
                    self.cites = [int(x) for x in json.loads(self.cites_buf) if isinstance(x, int)]
                except (ValueError, TypeError):
                    self.cites = []
                self.cites_buf = None
            return ""
        if self.in_string:
            return self._string_char(ch)
        if ch == '"':
            self.in_string, self.string = True, ""
            return ""
        if ch in "{":
            self.depth_stack.append("{")
            self.expect_key = True
        elif ch == "[":
            if self.last_key == self.cites_key and not self.expect_key:
                self.cites_buf = "["
                return ""
            self.depth_stack.append("[")
        elif ch in "}]":
            if self.depth_stack:
                self.depth_stack.pop()
        elif ch == ",":
            self.expect_key = bool(self.depth_stack) and self.depth_stack[-1] == "{"
        elif ch == ":":
            self.expect_key = False
        return ""

    def _string_char(self, ch: str) -> str:
        is_text = (not self.expect_key) and self.last_key == self.text_key
        if self.unicode_buf is not None:
            self.unicode_buf += ch
            if len(self.unicode_buf) == 4:
                decoded = chr(int(self.unicode_buf, 16)) if all(c in "0123456789abcdefABCDEF" for c in self.unicode_buf) else ""
                self.unicode_buf = None
                return decoded if is_text else ""
            return ""
        if self.escape:
            self.escape = False
            if ch == "u":
                self.unicode_buf = ""
                return ""
            decoded = {"n": "\n", "t": "\t", "r": "", "b": "", "f": ""}.get(ch, ch)
            return decoded if is_text else ""
        if ch == "\\":
            self.escape = True
            return ""
        if ch == '"':
            self.in_string = False
            if self.expect_key:
                self.last_key = self.string
                return ""
            if is_text:
                self.last_key = None
                marks = "".join(f"[{n}]" for n in self.cites)
                self.cites = []
                return (f" {marks} " if marks else " ")
            self.last_key = None
            return ""
        self.string += ch
        return ch if is_text else ""
