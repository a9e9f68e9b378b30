"""The question a learner sees, and how an answer to it is graded.

>>> q = Question(id="x", type="mcq", stem="?", options=["a", "b", "c", "d"], keys=[2],
...              explanations=["", "", "", ""], domain=1, task="1.1", method="facts", model="facts")
>>> q.grade([2]), q.grade([0]), q.key_letters
(True, False, 'C')
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from assistant.types import Citation  # noqa: F401 (re-exported: quiz modules import it from here)

QuestionType = Literal["mcq", "multi", "ordering", "matching"]
LETTERS = "ABCDEFGH"


class Question(BaseModel):
    id: str
    type: QuestionType
    stem: str
    options: list[str]  # mcq/multi: choices; ordering: steps (shuffled); matching: answers (shuffled)
    prompts: list[str] = Field(default_factory=list)  # matching only: the items to pair with an option
    keys: list[int]  # mcq: [i]; multi: sorted indices; ordering: option indices in order; matching: option per prompt
    explanations: list[str]  # one per option (mcq/multi/ordering) or per prompt (matching), with [n] citations
    citations: list[Citation] = Field(default_factory=list)
    domain: int
    task: str
    concept: str = ""
    fact_id: str | None = None
    method: Literal["facts", "llm"]
    model: str
    gate: dict[str, dict] = Field(default_factory=dict)  # check -> {"ok": bool, "detail": str}

    @property
    def passed(self) -> bool:
        return bool(self.gate) and all(check["ok"] for check in self.gate.values())

    def grade(self, answer: list[int]) -> bool:
        if self.type == "multi":
            return sorted(answer) == sorted(self.keys)
        return list(answer) == list(self.keys)

    @property
    def key_letters(self) -> str:
        if self.type == "matching":
            return ", ".join(f"{i + 1}-{LETTERS[k]}" for i, k in enumerate(self.keys))
        return ", ".join(LETTERS[k] for k in self.keys) if self.type != "ordering" else " → ".join(LETTERS[k] for k in self.keys)
