"""What the page tests share: a page run through AppTest with a given assistant, its text, answering a question."""
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO

TIMEOUT = 120


def page(name, assistant):
    at = AppTest.from_file(str(REPO / "ui" / "views" / f"{name}.py"), default_timeout=TIMEOUT)
    at.session_state["assistant"] = assistant
    return at.run()


def all_text(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "text", "info", "warning", "error", "success", "caption")
                     for e in getattr(at, kind))


def answer_with(at, q, answer: list[int]):
    """Set the page's answer widget for q to the given option indices."""
    if q.type == "mcq":
        at.radio[0].set_value(answer[0])
    elif q.type == "multi":
        for j in answer:
            at.checkbox[j].check()
    else:
        for box, k in zip(at.segmented_control, answer):
            box.set_value(k)
    return at.run()


def button(at, label):
    return next(b for b in at.button if b.label == label)
