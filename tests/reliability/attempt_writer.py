"""Writes attempts in a loop until killed (for the kill -9 test): each attempt also writes a row in a second
table inside the same transaction, and its id is printed only after the commit returned."""
from __future__ import annotations

import json
import os
import sys

from assistant.learner.bank import Bank
from assistant.quiz.models import Question


def main(path: str) -> None:
    bank = Bank(path)
    bank.db.execute("CREATE TABLE IF NOT EXISTS attempt_echo (attempt_id INTEGER PRIMARY KEY, payload BLOB NOT NULL)")
    bank.add_question(Question(id="q1", type="mcq", stem="Which store?", options=list("abcd"), keys=[1],
                               explanations=list("abcd"), domain=1, task="1.1", method="facts", model="test"))
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        payload = os.urandom(64_000)  # a fat second row: the transaction spans several pages

        def echo(db, attempt_id, payload=payload):
            db.execute("INSERT INTO attempt_echo VALUES (?, ?)", (attempt_id, payload))

        answer = [n % 4] * 50
        attempt_id = bank.record_attempt("q1", answer, n % 4 == 1, 1.5, also=echo)
        print(json.dumps([attempt_id, n]), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
