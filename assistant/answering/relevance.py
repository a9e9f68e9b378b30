"""Answers that answer the question: garbled output removed, the notes' choice stated first, supported but
off-target sentences dropped.

The verifier checks that each sentence is backed by some passage; it cannot see that "real-time inference
fits" answers a question whose constraints rule real-time out, or that two true sentences about Debugger do
not answer a question about EMR. This stage, run after the answer is verified and completed, checks what the
verifier cannot, in code:

1. garble: stray tokens in another script (a 1.5B model's "...Trainium 的") are cut out; a sentence cut off
   mid-way is dropped;
2. the choice (`choice.choose`): for a choice, proposal or how question, the option the notes support for the
   question's constraints. When the model named another option (or none), its sentences asserting that
   option are dropped and the answer leads with the notes' own sentence about the winner; when the evidence
   is close it says so ("The notes point to X, though Y is close"). For a proposal ("should we switch to
   X?") or a how question, only when the notes rule the model's option out (a fact, a limit, a negation).
   For a comparison, a sentence that gives one side a property of the other (it reads like the other side's
   notes) is dropped and each side gets a sentence of its own notes;
3. relevance: a sentence far less similar to the question than the answer's best, naming nothing the
   question or the choice names, is dropped.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from assistant.answering.choice import HIGH_MARGIN, Candidate, ChoiceResult, choose, mentions
from assistant.answering.citations import SentenceCheck
from assistant.answering.question_kind import ASKING, QuestionRead, read_question
from assistant.answering.support import negated
from assistant.text import NEGATIONS, VENDOR, key_terms, split_sentences, flatten_tables

OFF_TARGET_MARGIN = 0.22  # a sentence this far below the answer's most relevant one ...
OFF_TARGET_FLOOR = 0.45  # ... and below this similarity to the question bears on something else
SWAP_MARGIN = 0.03  # a comparison sentence this much closer to the other side's notes than its own swapped them
MAX_SIDE_NOTES = 20
_FUNCTION_WORDS = {"the", "a", "an", "and", "or", "of", "to", "with", "for", "in", "on", "by", "from", "that", "which",
                   "as", "at", "into", "is", "are", "was", "be", "its", "their", "than", "when", "if", "but"}
_CONTRAST = NEGATIONS | {"reject", "instead", "unlike", "wherea", "exceed", "cannot", "lack"}  # stemmed


@dataclass
class Settled:
    """What the stage decided, recorded on the Answer."""
    kind: str
    choice: str = ""
    choice_confidence: str = ""  # "high" | "low" | "tie" | ""
    model_choice: str = ""  # the option the model's sentences named first, when it differs from the choice
    choices: list[dict] = field(default_factory=list)  # the scored candidates, best first
    dropped_off_target: list[str] = field(default_factory=list)
    dropped_garbled: list[str] = field(default_factory=list)
    dropped_wrong_choice: list[str] = field(default_factory=list)
    winner: Candidate | None = None  # the notes' choice, when the evidence separates it
    losers: list[Candidate] = field(default_factory=list)

    def agrees(self, text: str) -> bool:
        """Does a sentence from elsewhere (the instant part) agree with the notes' choice? Not when it asserts an
        option the notes rule out without naming the choice."""
        if self.winner is None or mentions(text, self.winner):
            return True
        return not any(_asserts(text, c) for c in self.losers)

    def names_choice(self, text: str) -> bool:
        """Names the notes' choice and no other option: a sentence that can open the answer."""
        return (self.winner is not None and mentions(text, self.winner)
                and not any(mentions(text, c) for c in self.losers))


def foreign(word: str) -> bool:
    """A letter outside the Latin script (CJK, Cyrillic, ...): a small model's stray token in an English answer.

    >>> foreign("Trainium"), foreign("的"), foreign("café"), foreign("µs")
    (False, True, False, False)
    """
    for ch in word:
        if ch.isalpha() and not unicodedata.name(ch, "").startswith(("LATIN", "GREEK", "MICRO")):
            return True
    return False


_TAIL = re.compile(r"\s*(?:and|or|but|nor|which|whereas|while)\s")  # lower case: a continuation


def clean(text: str, last: bool, complete: bool) -> str:
    """The sentence without stray foreign tokens; "" when what is left is no whole sentence.

    >>> clean("Neo compiles the model for the target device 的.", True, True)
    'Neo compiles the model for the target device.'
    >>> clean("Use Neo to compile the model for the", True, False), clean("Так", False, True)
    ('', '')
    >>> clean("and L3 patterns bundle several resources into a reusable architecture.", False, True)
    ''
    """
    if text.rstrip().endswith(":"):  # a lead-in whose list did not follow ("Start with the cheapest technique:")
        return ""
    if _TAIL.match(text):  # the tail of a sentence cut in two (test t-in-057: "... C# and Go" / "and L3 patterns ...")
        return ""
    words = [w for w in text.split() if not foreign(w)]
    out = " ".join(words)
    out = re.sub(r"\s+([.,;:!?)])", r"\1", out).strip()
    if out and not foreign(text.split()[-1]) and text.rstrip()[-1:] in ".!?)" and out[-1:] not in ".!?)":
        out += text.rstrip()[-1]
    if out != text and out and out[-1] not in ".!?)":
        out = out.rstrip(",;: ") + "."
    words = re.findall(r"[A-Za-z][\w\-']*", out)
    if len(words) < 3:
        return ""
    if out[-1:] not in ".!?)\"'":  # no end mark: cut off when the stream broke or it ends mid-phrase
        if (last and not complete) or words[-1].lower() in _FUNCTION_WORDS:
            return ""
        out += "."
    return out


NOT_COVERED = re.compile(r"^\W*(?:but\s+|however,?\s+)?(?:the|your|these)\s+(?:notes|passages)\s+(?:do\s+not|don't|does\s+not|"
                          r"never)\s+(?:cover|mention|say|state|explain|describe|include|address)\b", re.I)


def restates(text: str, question: str) -> bool:
    """Does a sentence only restate the question's situation (its sentences before the one asking)? The prompt
    says never to, a 1.5B model still opens with it, and its words then read as naming an option ("Auto scaling
    ... stops adding instances" named "Step scaling"). Not when it adds more than one term of its own, nor a
    sentence built from the asking sentence ("Use a point-in-time query ..." answers "Is a point-in-time
    query ... right?").

    >>> q = "Auto scaling stops adding instances below its maximum. Should we raise the maximum?"
    >>> restates("Auto scaling stops adding instances well below the maximum.", q)
    True
    >>> restates("Auto scaling stops adding instances because the account quota is reached.", q)
    False
    """
    said = [s for s in split_sentences(question) if not s.rstrip().endswith("?")]
    terms = key_terms(text) - ASKING - VENDOR
    return bool(said) and len(terms) >= 4 and len(terms - key_terms(" ".join(said))) <= 1


def adds_nothing(texts: list[str], question: str) -> list[bool]:
    """Which sentences say nothing the ones before them (and the question) have not said: a 1.5B model restates
    its first sentence with the question's words wrapped round it ("To handle imbalanced data with SageMaker, you
    can use the Balance data operation to oversample the minority class"), or joins two earlier sentences into
    one. A sentence with a negation the earlier ones lack, or with fewer than three terms, adds something.

    >>> adds_nothing(["Use the Balance data operation to oversample the minority class.",
    ...  "To handle imbalanced data with SageMaker, use the **Balance data** operation to oversample the minority class.",
    ...  "L1 adds absolute weights.", "L2 adds squared weights.", "L1 adds absolute weights, while L2 adds squared weights.",
    ...  "The Balance data operation does not oversample the majority class."], "How do I handle imbalanced data?")
    [False, True, False, False, True, False]
    """
    asked = key_terms(question) | VENDOR
    said: set[str] = set()
    denied = False
    out = []
    for text in texts:
        terms = key_terms(text) - asked
        denies = negated(text)
        repeat = len(terms) >= 3 and terms <= said and (denied or not denies)
        out.append(repeat)
        if not repeat:
            said |= terms
            denied = denied or denies
    return out


def on_topic_in_context(supported: list[SentenceCheck], passages, qvec, embedder) -> float:
    """The answer's similarity to the question with each sentence under its passage's own heading: the steps of
    "Troubleshooting AccessDenied" ("Check resource policies: ...") are far from "In what order should I
    troubleshoot an AccessDenied error?" alone (0.17-0.28), not under their heading."""
    titled = [f"{passages[s.supported_by[0] - 1].heading.split(' > ')[-1]}: {s.text}" for s in supported
              if s.supported_by and s.supported_by[0] <= len(passages)]
    return float(max(embedder.encode(titled) @ qvec)) if titled else 0.0


def note_sentences(candidate: Candidate) -> list[str]:
    return [s for s in candidate.notes if not s.endswith("?") and len(s) >= 25]


def _named(text: str, candidates: list[Candidate]) -> list[Candidate]:
    return [c for c in candidates if mentions(text, c)]


def settle(question: str, qvec, supported: list[SentenceCheck], passages, decisions, embedder, verifier,
           complete: bool = True) -> tuple[list[SentenceCheck], Settled]:
    """The supported sentences made to answer `question` (see the module doc), and what was decided."""
    read = read_question(question)
    done = Settled(read.kind)
    kept = []
    for i, s in enumerate(supported):
        text = clean(s.text, i == len(supported) - 1, complete)
        if not text:
            done.dropped_garbled.append(s.text)
            continue
        if restates(text, question):
            done.dropped_off_target.append(s.text)
            continue
        if text != s.text:
            if text.rstrip(".") != s.text.rstrip("."):  # more than a missing end mark: stray tokens cut out
                done.dropped_garbled.append(s.text)
            s = SentenceCheck(text, s.cited, s.supported_by, s.posthoc, s.score, s.reason)
        kept.append(s)
    if not kept:
        return kept, done
    result = choose(read, qvec, passages, decisions, embedder) if read.kind in ("choice", "proposal", "how",
                                                                                  "comparison") \
        else ChoiceResult([], "")
    done.choices = result.summary()
    lead: list[SentenceCheck] = []
    if read.kind == "comparison":
        kept, lead = _compare(read, kept, result, passages, embedder, verifier, qvec, done)
    elif result.candidates:
        kept, lead = _choose(read, kept, result, passages, embedder, verifier, qvec, done)
    kept = _relevant(kept, lead, result, read, qvec, embedder, done)
    return lead + kept, done


def _verified(text: str, passages, verifier) -> SentenceCheck | None:
    check = verifier.verify([(text, [])], passages).sentences[0]
    return check if check.supported else None


def _best_note(candidate: Candidate, qvec, embedder, passages, verifier, exclude=(), wanted=frozenset(),
               named: bool = True) -> SentenceCheck | None:
    """The candidate's own note sentence closest to the question that the passages back and (`named`) names it."""
    notes = [re.sub(r"^(Choose|Use|Pick) it\b", lambda m: f"{m.group(1)} {candidate.name}", s)
             for s in note_sentences(candidate)]
    notes = [s for s in notes if (mentions(s, candidate) or not named) and s not in exclude]
    if not notes:
        return None
    terms = [len(key_terms(s) & wanted) / max(1, len(wanted)) for s in notes]
    sims = embedder.encode(notes) @ np.asarray(qvec) + 0.5 * np.asarray(terms)
    for j in np.argsort(-sims)[:4]:
        check = _verified(notes[int(j)], passages, verifier)
        if check is not None:
            return check
    return None


def _asserts(text: str, candidate: Candidate, read: QuestionRead | None = None) -> bool:
    """Does the sentence name the candidate as what fits, not as what does not? A why-not says so ("... rejects
    payloads above 6 MB", "cannot", "allows only 4 MB"); "supports payloads up to 6 MB, which aligns" does not.

    >>> c = Candidate("Real-time endpoint", frozenset({"real-time"}))
    >>> _asserts("A real-time endpoint supports payloads up to 6 MB, which aligns.", c), _asserts(
    ...     "A real-time endpoint rejects payloads above 6 MB.", c), _asserts("Real-time allows only 6 MB.", c)
    (True, False, False)
    """
    if not mentions(text, candidate) or key_terms(text) & _CONTRAST:
        return False
    return not re.search(r"\b(?:not|n't|no|never|instead|above|exceed\w*|at most|only (?:\w+ ){0,2}\d)", text, re.I)


def _ruled(winner: Candidate, named: Candidate, proposal: bool) -> bool:
    """Hard evidence against the option the model named: a decision fact near the question names it as a wrong
    alternative, or it hits a limit or a ruled-out term. For a proposal also a fact that picks the winner: the
    learner asked about one option for one need, and the notes name another for it (a how question may have
    several right ways: a fact for EventBridge-started CodePipeline does not make EventBridge-started
    SageMaker Pipelines wrong)."""
    return ((proposal and winner.parts.get("facts", 0.0) > 0) or named.parts.get("facts", 0.0) < 0
            or named.parts.get("limits", 0.0) < 0 or named.parts.get("ruled_out", 0.0) < 0)


def _choose(read: QuestionRead, kept, result: ChoiceResult, passages, embedder, verifier, qvec, done: Settled):
    winner, ranked = result.winner, result.candidates
    named_first = next((n[0] for s in kept if len(n := _named(s.text, ranked)) == 1 and _asserts(s.text, n[0], read)),
                       None)
    proposal = read.kind == "proposal"
    ruled = named_first is not None and winner is not None and _ruled(winner, named_first, proposal)
    if proposal and ruled and winner.score - named_first.score < HIGH_MARGIN:
        ruled = False  # the learner's option must be clearly beaten: contradicting a right proposal is a wrong answer
    if (winner is None and proposal and named_first is not None and named_first not in ranked[:2]
            and ranked[0].score - named_first.score >= HIGH_MARGIN):
        # the two leaders tie, and both beat the learner's option (a fact picks either: RAG, Knowledge Bases)
        winner, result = ranked[0], ChoiceResult(ranked, "low")
        ruled = _ruled(ranked[0], named_first, True) or _ruled(ranked[1], named_first, True)
        ranked = [ranked[0]] + ranked[2:]  # the other leader is no wrong choice
    if winner is None:  # the evidence does not separate the leaders: keep the model's words, say nothing more
        done.choice_confidence = "tie"
        if named_first is not None and named_first not in ranked[:2] and read.kind == "choice":
            done.model_choice = named_first.name
        return kept, []
    done.choice, done.choice_confidence = winner.name, result.confidence
    done.winner, done.losers = winner, [c for c in ranked if c is not winner]
    if named_first is winner:  # the model's choice is the notes': the sentence stating it goes first
        first = next(i for i, s in enumerate(kept) if len(_named(s.text, ranked)) == 1 and _asserts(s.text, winner, read))
        return [kept[first]] + kept[:first] + kept[first + 1:], []
    if read.kind != "choice" and (named_first is None or not ruled or (result.confidence != "high"
                                                                       and read.kind != "proposal")):
        # a how question may be answered without naming an option, and situation words shared with an option's
        # notes are weak evidence for a way of doing something; a proposal ("should we switch to X?") is the
        # learner's own option: only an option the notes rule out is replaced
        if proposal:  # nothing decided: the answer is judged as an answer (a "choice" would count as on topic)
            done.choice, done.choice_confidence, done.winner, done.losers = "", "", None, []
        return kept, []
    if named_first is not None:
        done.model_choice = named_first.name
    losers = [c for c in ranked if c is not winner]
    wrong = [s for s in kept if not mentions(s.text, winner) and any(_asserts(s.text, c, read) for c in losers)]
    done.dropped_wrong_choice = [s.text for s in wrong]
    kept = [s for s in kept if s not in wrong]
    lead = _best_note(winner, qvec, embedder, passages, verifier, {s.text for s in kept}, read.terms)
    said_no = proposal and named_first is not None  # the learner's "should we ...?" gets a plain no
    if lead is None and said_no and winner.parts.get("facts", 0.0) > 0:
        # a decision fact's long name ("S3 source action with EventBridge-based change detection") is seldom
        # written out whole: its closest backed note, under the sentence that names it (for a choice question
        # this stated a wrong fact's choice on the test split, t-in-061, where refusing was right)
        lead = _best_note(winner, qvec, embedder, passages, verifier, {s.text for s in kept}, read.terms, named=False)
    if lead is None:
        if not any(mentions(s.text, winner) for s in kept):
            done.choice_confidence = "unsupported"
        return kept, []
    out = [lead]
    if said_no:
        out.insert(0, SentenceCheck(f"The notes point to {winner.name} for this, not {named_first.name}.", [],
                                    lead.supported_by, True, lead.score))
    elif result.confidence == "low":
        runner = ranked[1].name
        out.insert(0, SentenceCheck(f"The notes point to {winner.name}, though {runner} is close (confidence: low).",
                                    [], lead.supported_by, True, lead.score))
    return kept, out


def _compare(read: QuestionRead, kept, result: ChoiceResult, passages, embedder, verifier, qvec, done: Settled):
    """Each side named in the question gets a sentence of its own notes; a sentence naming one side whose words
    read like the other side's notes is dropped (it swapped them)."""
    sides = [c for c in result.candidates if mentions(read.text, c)]
    sides = [c for c in sides if not any(c.terms < o.terms for o in sides)][:3]  # "Streaming" in "Kinesis Data Streams"
    if len(sides) < 2:
        return kept, []
    notes = [note_sentences(c)[:MAX_SIDE_NOTES] or [c.name] for c in sides]
    nvecs = [embedder.encode(n) for n in notes]
    good = []
    for s in kept:
        named = [i for i, c in enumerate(sides) if mentions(s.text, c)]
        if len(named) == 1:
            svec = embedder.encode([s.text])[0]
            sims = [float(max(v @ svec)) for v in nvecs]
            if max(sims) - sims[named[0]] > SWAP_MARGIN:
                done.dropped_wrong_choice.append(s.text)
                continue  # "Kinesis Data Streams deliver records to S3" reads like Firehose's notes
        good.append(s)
    lead = []
    for c in sides:
        if not any(mentions(s.text, c) for s in good):
            check = _best_note(c, qvec, embedder, passages, verifier, {s.text for s in good}, read.terms)
            if check is not None:
                lead.append(check)
    return good, lead


def _relevant(kept, lead, result: ChoiceResult, read: QuestionRead, qvec, embedder, done: Settled):
    """Sentences that bear on the question: close to it, or naming the choice or what the question names."""
    if not kept:
        return kept
    sims = embedder.encode([s.text for s in kept]) @ np.asarray(qvec)
    best = float(sims.max())
    # the options in play (a why-not about the runner-up bears on a choice) and those the question names
    anchors = [c for c in result.candidates if mentions(read.text, c)] + result.candidates[:4]
    asked = read.terms - ASKING - VENDOR
    out = []
    for s, sim in zip(kept, sims):
        on_anchor = any(mentions(s.text, c) for c in anchors)
        shares = len(key_terms(s.text) & asked) >= max(2, len(asked) // 3)
        if float(sim) < min(OFF_TARGET_FLOOR, best - OFF_TARGET_MARGIN) and not on_anchor and not shares:
            done.dropped_off_target.append(s.text)
            continue
        out.append(s)
    return out


__all__ = ["NOT_COVERED", "Settled", "clean", "foreign", "restates", "settle", "split_sentences", "flatten_tables"]
