"""Questions built from decision facts: the key and the distractors come from curated facts, so a small
model cannot get them wrong. Option positions are chosen by the caller so keys spread evenly.
"""
from __future__ import annotations

import hashlib
import random

from assistant.knowledge.facts import Decision, Matching, Sequence
from assistant.quiz.models import Citation, Question

NOUN_QUALIFIERS = {"overhead", "effort", "change", "changes", "latency", "cost", "management", "time", "downtime",
                   "administration", "maintenance", "development"}


def question_id(*parts: str) -> str:
    return "q-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]


def scenario_stem(decision: Decision) -> str:
    need = decision.need.strip().rstrip(".")
    first = need.split()[0]
    if first[1:].islower():  # "Reduce ..." -> "reduce ...", but keep "SageMaker", "S3", "IAM"
        need = need[0].lower() + need[1:]
    qualifier = decision.qualifier.strip()
    first_word = qualifier.split()[0].lower() if qualifier else ""
    if not qualifier:
        ask = "Which solution meets this requirement?"
    elif first_word in ("most", "least", "highest", "lowest", "fewest") and qualifier.split()[-1].lower() not in NOUN_QUALIFIERS \
            and len(qualifier.split()) == 2 and "-" in qualifier or qualifier.lower().endswith("throughput"):
        ask = f"Which solution is the {qualifier}?" if "-" in qualifier else f"Which solution gives the {qualifier}?"
    elif first_word in ("most", "least", "highest", "lowest", "fewest"):
        ask = f"Which solution meets this requirement with the {qualifier}?"
    else:  # "little code", "without labels", "explain each decision"
        ask = f"Which solution meets this requirement ({qualifier})?"
    return f"An ML engineer must {need}. {ask}"


def section_citation(chunks, source: str, section: str, n: int = 1) -> Citation | None:
    """The first indexed chunk of the fact's supporting section (or of a section below it)."""
    for chunk in chunks:
        if chunk.source == source and (chunk.heading == section or chunk.heading.startswith(section + " > ")):
            return Citation(n=n, id=chunk.id, source=chunk.source, heading=chunk.heading, text=chunk.text)
    return None


def mcq(decision: Decision, key_position: int, chunks, rng: random.Random) -> Question:
    distractors = list(decision.alternatives[:3])
    rng.shuffle(distractors)
    options, explanations = [], []
    for pos in range(len(distractors) + 1):
        if pos == key_position:
            options.append(decision.choice)
            explanations.append(f"Correct: {decision.why_right} [1]")
        else:
            alt = distractors.pop()
            options.append(alt.option)
            explanations.append(f"Incorrect: {alt.why_wrong} [1]")
    cite = section_citation(chunks, decision.source, decision.section)
    return Question(id=question_id("mcq", decision.id, str(key_position)), type="mcq", stem=scenario_stem(decision),
                    options=options, keys=[key_position], explanations=explanations, citations=[cite] if cite else [],
                    domain=decision.domain, task=decision.task, concept=decision.concept, fact_id=decision.id,
                    method="facts", model="decision facts")


def multi(first: Decision, second: Decision, key_positions: tuple[int, int], chunks, rng: random.Random,
          task_title: str) -> Question:
    """Choose TWO: two true statements (need -> choice) among five, the rest pair a need with a distractor."""
    def statement(d: Decision, option: str) -> str:
        need = d.need.rstrip(".")
        return f"To {need[0].lower() + need[1:] if need.split()[0][1:].islower() else need}, use {option}."

    wrong = [(first, a) for a in first.alternatives[:2]] + [(second, second.alternatives[0])]
    rng.shuffle(wrong)
    options, explanations, keys = [], [], []
    rights = [(first, 1), (second, 2)]
    for pos in range(5):
        if pos in key_positions:
            d, n = rights.pop(0)
            options.append(statement(d, d.choice))
            explanations.append(f"Correct: {d.why_right} [{n}]")
            keys.append(pos)
        else:
            d, alt = wrong.pop()
            options.append(statement(d, alt.option))
            explanations.append(f"Incorrect: {alt.why_wrong} [{1 if d is first else 2}]")
    cites = [c for c in (section_citation(chunks, first.source, first.section, 1),
                         section_citation(chunks, second.source, second.section, 2)) if c]
    return Question(id=question_id("multi", first.id, second.id, str(key_positions)), type="multi",
                    stem=f"An ML engineer is reviewing design choices for this task: {task_title.lower()}. "
                         "Which TWO statements are correct? (Choose TWO.)",
                    options=options, keys=sorted(keys), explanations=explanations, citations=cites,
                    domain=first.domain, task=first.task, concept=f"{first.concept}; {second.concept}",
                    fact_id=f"{first.id}+{second.id}", method="facts", model="decision facts")


def ordering(sequence: Sequence, chunks, rng: random.Random) -> Question:
    steps = list(sequence.steps)
    order = list(range(len(steps)))
    while order == sorted(order):  # never shown already in order
        rng.shuffle(order)
    options = [steps[i] for i in order]
    keys = [order.index(i) for i in range(len(steps))]
    explanations = []
    for shown in range(len(options)):
        k = order[shown]
        before = f" after \"{steps[k - 1]}\"" if k > 0 else " first"
        explanations.append(f"Step {k + 1} of {len(steps)}: \"{steps[k].rstrip('.')}\" comes{before}. [1]")
    cite = section_citation(chunks, sequence.source, sequence.section)
    return Question(id=question_id("ordering", sequence.id, str(order)), type="ordering",
                    stem=f"{sequence.title}. Select the steps in the correct order.", options=options, keys=keys,
                    explanations=explanations, citations=[cite] if cite else [], domain=sequence.domain,
                    task=sequence.task, concept=sequence.title, fact_id=sequence.id, method="facts",
                    model="decision facts")


def matching(match: Matching, chunks, rng: random.Random) -> Question:
    prompts = [left for left, _ in match.pairs]
    rights = [right for _, right in match.pairs]
    order = list(range(len(rights)))
    while order == sorted(order):
        rng.shuffle(order)
    options = [rights[i] for i in order]
    keys = [order.index(i) for i in range(len(prompts))]
    explanations = [f"{left} → {right}. [1]" for left, right in match.pairs]
    cite = section_citation(chunks, match.source, match.section)
    return Question(id=question_id("matching", match.id, str(order)), type="matching",
                    stem=f"{match.title}. Match each item to one option.", options=options, prompts=prompts,
                    keys=keys, explanations=explanations, citations=[cite] if cite else [], domain=match.domain,
                    task=match.task, concept=match.title, fact_id=match.id, method="facts", model="decision facts")
