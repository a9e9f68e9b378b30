"""The one rule for "does this passage back this text", used by the answer verifier (assistant.answering.citations)
and by the quiz gate (assistant.quiz.gate): embedding similarity with the real embedder plus overlap of key
terms, and no contradiction in numbers or negation.

Thresholds come from the settings tree (`settings.support`, env `STUDY_SUPPORT__STRONG` etc.).
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

import numpy as np

from assistant.config import SupportSettings
from assistant.text import NEGATIONS, VENDOR, flatten_tables, key_terms, split_sentences
from assistant.types import Chunk, Citation

NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\b")
WORD_SPAN = re.compile(r"[\w:'-]+")
STEP = re.compile(r"\(\d{1,2}\)")  # "(2)" numbers a step: it is no number to find in the passage


QUOTED = 0.95  # a claim this similar to one of the passage's sentences, using its words, quotes it


def negated(text: str) -> bool:
    words = set(re.findall(r"[a-z']+", text.lower()))
    return bool(words & NEGATIONS) or "n't" in text.lower()


_NEGATION = re.compile(r"\b(?:(?:do|does|did|is|are|was|were|can|will|would|should)\s+not|cannot|never|not|no)\b|n't\b",
                       re.IGNORECASE)


def without_negation(text: str) -> str:
    return re.sub(r"\s{2,}", " ", _NEGATION.sub("", text)).strip()


_POLAR_CLAUSE = re.compile(r",?\s+(?:so|but|because|since|whereas|while|therefore)\s+|;\s*|,\s+(?:and|which)\s+", re.IGNORECASE)


def clause_flip(sentence: str, passage_sentence: str) -> str:
    """A clause of the sentence that says the opposite of the passage sentence's clause about the same thing,
    when the two carry their negations in different places: "The event is not emitted by the service itself, so
    polling code is needed" against "The event is emitted by the service itself, so no polling code is needed"
    (one negation each, so the whole-sentence polarity check sees no flip). Clauses are matched by their key
    terms (at least two thirds of the two clauses' terms shared; a clause matching several equally well flips
    only when it differs from each: a table row of "Use it for: ...; Not for: ..." cells matches itself).

    >>> clause_flip("The event is not emitted by the service itself, so polling code is needed.",
    ...             "The event is emitted by the service itself, so no polling code is needed.")
    'The event is not emitted by the service itself'
    >>> clause_flip("No polling code is needed, because the service emits the event itself.",
    ...             "The event is emitted by the service itself, so no polling code is needed.")
    ''
    >>> clause_flip("It is not a queue, so no polling code is needed.", "—")
    ''
    """
    mine = [c for c in _POLAR_CLAUSE.split(sentence) if c and key_terms(c)]
    theirs = [c for c in _POLAR_CLAUSE.split(passage_sentence) if c and key_terms(c)]
    if not theirs or (len(mine) < 2 and len(theirs) < 2):
        return ""
    for clause in mine:
        terms = key_terms(clause) - GENERIC
        if len(terms) < 2:
            continue
        overlap = [len(terms & (t := key_terms(c) - GENERIC)) / len(terms | t) for c in theirs]
        best = max(overlap)
        closest = [c for c, o in zip(theirs, overlap) if o == best]
        if best >= 2 / 3 and all(negated(clause) != negated(c) for c in closest):
            return clause.strip()
    return ""


_NEGATED_TERMS = re.compile(r"\b(?:no|not|cannot|never)\s+((?:[\w-]+\s+){0,2}[\w-]+)", re.IGNORECASE)
GENERIC = {"support", "use", "need", "requir", "allow", "have", "be", "provid", "includ", "work", "run", "be", "an",
           "the", "a", "to", "for", "more", "longer", "only", "same", "longer"}


def denied_terms(passage: str) -> set[str]:
    """Key terms a passage says 'no/not/cannot/never' about, e.g. 'CPU only (no GPUs)' -> {'gpu'}."""
    return {t for m in _NEGATED_TERMS.finditer(passage) for t in key_terms(m.group(1))} - GENERIC


def denied_heads(text: str) -> set[str]:
    """The first meaningful term after each no/not/cannot/never: 'CPU only (no GPUs)' -> {'gpu'}, 'users never
    see the shadow answers' -> {'see'} (not 'shadow': what is denied is seeing it)."""
    heads = set()
    for m in _NEGATED_TERMS.finditer(text):
        for word in m.group(1).split():
            terms = key_terms(word) - GENERIC - VENDOR - {"ml"}
            if terms:
                heads |= terms
                break
    return heads


# "Select X", "Then, enable Y", "you should use Z": the verb says "do it", the claim is its object, which the passage
# names in its own words ("X (default) ... choose it when", "Setting Y to true"); the verb is no key term to find
_ACTION = re.compile(r"(?:^|[,:;]\s*|\b(?:you|we)\s+(?:should|can|must|could|need\s+to|have\s+to)\s+)"
                     r"(?:select|choose|pick|use|enable|turn\s+on|set|configure|activate|apply|opt\s+for|go\s+with)\b",
                     re.IGNORECASE)


def claim_terms(sentence: str) -> set[str]:
    """The key terms of what a sentence claims: an action verb that only says "do it" left out.

    >>> sorted(claim_terms("Select Bayesian optimization.")), sorted(claim_terms("Then, enable it on the job"))
    (['bayesian', 'optimization'], ['job'])
    """
    return key_terms(_ACTION.sub(" ", sentence))


_BLOCKS = re.compile(r"\b(?:prevent|stop|block|keep)\w*\s+(?:[\w-]+\s+){1,3}?from\s+((?:[\w-]+\s+){0,3}[\w-]+)|"
                     r"\b(?:block|prevent|stop|remov|disabl|deny|without)\w*\s+((?:[\w-]+\s+){0,3}[\w-]+)", re.IGNORECASE)
# a name spelled in CamelCase: an API or parameter (EnableNetworkIsolation, PutRecord) or a service (DataBrew,
# CloudTrail). Like a number, it is exact: a claim naming one its passage never names is not that passage's claim
IDENTIFIER = re.compile(r"\b[A-Za-z]*[a-z][A-Z][A-Za-z0-9]*\b")


# where one claim ends and another begins: "X does A, while Y does B", "do X to achieve Y" (a purpose: not the
# "to" of "need to configure", "want to manage", whose verb belongs to the claim). A semicolon is left alone: a
# paraphrase often says in two clauses what its passage says in one sentence
_INFINITIVE = "".join(rf"(?<!\b{w})" for w in ("need", "needs", "want", "wants", "have", "has", "able", "how", "used", "going"))
_CLAUSE = re.compile(r",\s+(?:while|whereas|but)\s+|\s+(?:so\s+that|in\s+order\s+to)\s+|" + _INFINITIVE + r"\s+to\s+(?=[a-z]+\s)")


def unstated_clause(sentence: str, passage_terms: set[str], share: float) -> str:
    """The first clause of `sentence` whose own key terms (those no earlier clause used) the passage mostly lacks:
    a claim half stated is not stated ("DataBrew has 250 transformations, while Data Wrangler adds model-aware
    reports" against the DataBrew passage; "enable X on the job to encrypt the traffic" against X's passage).
    Dev labels: fixes 4 of 11 false acceptances (L29, L36, L51, L60) with no new false rejection.

    >>> unstated_clause("Enable X on the job to encrypt the traffic between containers", {"x", "job", "container"}, 0.5)
    'encrypt the traffic between containers'
    """
    seen: set[str] = set()
    for clause in _CLAUSE.split(sentence):
        terms = claim_terms(clause)
        own, seen = terms - seen, seen | terms
        if len(own) >= 2 and len(own & passage_terms) < share * len(own):
            return clause.strip()
    return ""


# "X is/are ...": the thing a sentence is about. A passage that never names it states nothing about it, however
# alike the rest reads ("Model parallelism is the better fit, and much cheaper, for classic ML" against "CPU
# instances are the better fit, and much cheaper, for classic ML": test split t-in-037, found by hand grading)
_SUBJECT = re.compile(r"^\s*((?:[\w\-().]+\s+){0,4}?[\w\-().]+)\s+(?:is|are|was|were)\s+(?:the|a|an|not|also|used|\w+ed\b)",
                      re.IGNORECASE)
# what a subject may say without naming anything: "The best choice is", "This option is", "Your data is"
PLAIN_SUBJECT = key_terms("""best better choice choices option options way ways answer approach solution right fit first
second next last final step steps data model models job jobs feature features service services tool tools method
strategy technique difference differences main key goal result process problem issue reason purpose both each
other good common typical default usual recommended simple simplest easiest cheapest fastest idea benefit
advantage""")


def unnamed_subject(sentence: str, passage_terms: set[str]) -> str:
    """The subject of an "X is/are ..." sentence when it names something the passage never names, else "".

    >>> unnamed_subject("Model parallelism is the better fit for classic ML", {"cpu", "instanc", "model", "fit"})
    'Model parallelism'
    >>> unnamed_subject("The best option is a CPU instance", {"cpu", "instanc"})
    ''
    """
    match = _SUBJECT.match(sentence)
    if not match:
        return ""
    named = key_terms(match.group(1)) - VENDOR - GENERIC - PLAIN_SUBJECT - {"ml"}
    return match.group(1) if named - passage_terms else ""


def swapped_span(sentence: str, closest: str, prompt_text: str) -> str:
    """The words of a near copy of one passage sentence that stand where that sentence has other words, lifted
    whole from elsewhere in the prompt's passages: "Check the instance quota of the caller (and iam:PassRole ...)"
    against "Check the identity policy of the caller (and iam:PassRole ...)", "instance quota" taken from the
    quotas section (notes eval html-q14, a wrong answer shown as verified). Only a copy with one span changed
    counts: at least two thirds of the passage sentence's words kept in order, every other difference free of key
    terms, and the new span a phrase of two or more key terms that the prompt has word for word (a verb the
    model chose, "reduce" for "cut", is its paraphrase, not a transplant).

    >>> line = "Check the identity policy of the caller (and iam:PassRole if a role is being passed)."
    >>> swapped_span("Check the instance quota of the caller (and iam:PassRole if a role is being passed).", line,
    ...              line + " Scale-out stays within the instance quota.")
    'instance quota'
    >>> swapped_span("Check the instance quota of the caller (and iam:PassRole if a role is being passed).", line, line)
    ''
    >>> swapped_span("Check the IAM identity policy of the caller.", line, line)
    ''
    """
    mine, theirs = WORD_SPAN.findall(sentence), WORD_SPAN.findall(closest)
    if len(theirs) < 6:
        return ""
    matcher = SequenceMatcher(a=[w.lower() for w in theirs], b=[w.lower() for w in mine], autojunk=False)
    kept = sum(block.size for block in matcher.get_matching_blocks())
    prompt = " ".join(WORD_SPAN.findall(prompt_text.lower()))
    swaps = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        old, new = key_terms(" ".join(theirs[i1:i2])) - GENERIC, key_terms(" ".join(mine[j1:j2])) - GENERIC
        words = [w.lower() for w in mine[j1:j2]]
        inner = [i for i, w in enumerate(words) if key_terms(w) - GENERIC]
        phrase = " ".join(words[inner[0]: inner[-1] + 1]) if inner else ""
        if (op == "replace" and old and len(new) >= 2 and not new & key_terms(closest)
                and f" {phrase} " in f" {prompt} "):
            swaps.append(" ".join(mine[j1:j2]))
        elif old or new:
            return ""  # another change of substance: a paraphrase, not a copy with a span swapped
    return swaps[0] if len(swaps) == 1 and kept >= 2 / 3 * len(theirs) else ""


def blocked_terms(text: str) -> set[str]:
    """Terms a sentence itself says are blocked, prevented, removed ...: a passage's "no X" agrees with it.

    >>> sorted(blocked_terms("enable it to block all outbound network calls"))
    ['call', 'network', 'outbound']
    >>> sorted(blocked_terms("it prevents the container from making outbound network calls"))
    ['call', 'mak', 'network', 'outbound']
    """
    return {t for m in _BLOCKS.finditer(text) for group in m.groups() if group for t in key_terms(group)}


def identifiers(text: str) -> set[str]:
    """
    >>> sorted(identifiers("Set `EnableNetworkIsolation` to true, or call PutRecord, in SageMaker AI"))
    ['enablenetworkisolation', 'putrecord']
    """
    return {m.lower() for m in IDENTIFIER.findall(text)} - VENDOR


def as_chunk(passage: Chunk | Citation) -> Chunk:
    """A cited passage (quiz questions carry Citations) as the Chunk the rule reads."""
    if isinstance(passage, Chunk):
        return passage
    return Chunk(id=passage.id, source=passage.source, heading=passage.heading, text=passage.text)


class SupportRule:
    """Scores how well a passage backs a sentence (normalised vectors: dot = cosine)."""

    def __init__(self, embedder, settings: SupportSettings | None = None):
        self.embedder = embedder
        settings = settings or SupportSettings()
        self.strong, self.weak, self.overlap = settings.strong, settings.weak, settings.overlap
        self.subject = settings.subject
        self._part_cache: dict[str, tuple[list[str], np.ndarray]] = {}

    def clear_cache(self) -> None:
        self._part_cache = {}

    def backs(self, text: str, passage: Chunk | Citation, *, names_suffice: bool = False) -> bool:
        """One statement against one passage, vectors computed here (the quiz gate's question)."""
        chunk = as_chunk(passage)
        sent_vec, passage_vec = self.embedder.encode([STEP.sub("", text), chunk.indexed_text])
        return self.score(text, chunk, sent_vec, passage_vec, names_suffice=names_suffice)[0] > 0

    def score(self, sentence: str, passage: Chunk, sent_vec, passage_vec, *,
              names_suffice: bool = False, given: frozenset = frozenset()) -> tuple[float, str]:
        """Support score in [0, 1] of `sentence` by `passage` and, when 0, the reason.

        Evidence first: similarity, shared key terms. An answer's sentence must read like the passage; a quiz
        option is often a bare name ("Amazon MWAA", "SSE-C") whose vector says little, so with `names_suffice`
        the passage naming `overlap` of its key terms, or `weak` similarity alone, is evidence enough, and a
        denial counts only in the passage's sentence closest to it (and only a negated option can be flipped).
        Then, for both, the same contradiction checks: numbers the passage lacks, a "no/not" about the claim's
        terms, a flipped polarity. Numbers in `given` (the learner's question states them) need no passage.
        """
        text = passage.indexed_text
        numbers = set(NUMBER.findall(STEP.sub("", sentence))) - set(NUMBER.findall(text)) - given
        if numbers:
            return 0.0, f"numbers {sorted(numbers)} are not in the passage"
        unnamed = set() if names_suffice else identifiers(sentence) - set(re.findall(r"[a-z0-9]+", text.lower()))
        if unnamed:
            return 0.0, f"names {sorted(unnamed)}, which the passage does not"
        cos = float(np.dot(sent_vec, passage_vec))
        terms = key_terms(sentence) if names_suffice else claim_terms(sentence)
        overlap = len(terms & key_terms(text)) / len(terms) if terms else 0.0
        parts, vecs = self.parts(passage)
        best = int(np.argmax(vecs @ sent_vec))
        closest, same = parts[best], float(vecs[best] @ sent_vec)
        # a long passage (a table, a list of steps) embeds as a blur: a claim may match one of its lines instead
        # (a short step reads like one sentence of a passage and uses nearly all of its words: "Apply the
        # trail to all Regions" / "Apply it to all Regions (the console default), and ...")
        part_overlap = len(terms & key_terms(closest)) / len(terms) if terms else 0.0
        named = names_suffice and (overlap >= self.overlap or max(cos, same) >= self.weak)
        # an answer's claim reads like its passage AND uses its words: similarity alone is topical likeness (a
        # "why not the alternatives" paragraph reads like the worked example's answer it never states)
        alone = names_suffice and cos >= self.strong
        if not (named or alone or (cos >= self.weak and overlap >= self.overlap)
                or (same >= self.strong and overlap >= self.overlap) or (same >= self.weak and part_overlap >= 0.8)):
            return 0.0, f"not stated in the passage (similarity {max(cos, same):.2f}, shared key terms {overlap:.0%})"
        clause = "" if names_suffice else unstated_clause(sentence, key_terms(text), self.overlap)
        if clause:
            return 0.0, f"the passage does not state {clause[:80]!r}"
        subject = "" if names_suffice or not self.subject else unnamed_subject(sentence, key_terms(text))
        if subject:
            return 0.0, f"the passage never names {subject[:60]!r}, what the sentence is about"
        # a sentence the passage states nearly word for word is no contradiction of it: the passage's "no/not"
        # elsewhere ("CloudTrail records API calls, not job outcomes") is about something else
        quoted = same >= QUOTED and part_overlap >= 0.9 and negated(closest) == negated(sentence)
        if not negated(sentence) and not quoted:
            # a name is checked against the sentence that names it: "no key management" elsewhere in a table
            # does not deny "a customer managed KMS key". An answer's claim against what each no/not is about
            # ("cannot send data anywhere" denies sending, not "stages the input data"), unless the claim says
            # the same: "blocks outbound calls" agrees with "no outbound network access"
            denied = ((terms - GENERIC) & denied_terms(closest) if names_suffice
                      else (terms - GENERIC - blocked_terms(sentence)) & denied_heads(text))
            if denied:
                return 0.0, f"contradicts the passage, which says no/not about {sorted(denied)}"
        # a contradiction reads like its passage: compare polarity with the passage's closest sentence (a name
        # states nothing a "not" in that sentence could contradict: "batch transform runs a job, not an endpoint")
        if not names_suffice and negated(closest) and negated(sentence) and (flip := clause_flip(sentence, closest)):
            return 0.0, f"contradicts the passage: {flip[:60]!r} says the opposite of its clause"
        if negated(closest) != negated(sentence) and (negated(sentence) or not names_suffice):
            # the same statement once the negation is removed, and closer without it: a contradiction
            a, b = (without_negation(sentence), closest) if negated(sentence) else (sentence, without_negation(closest))
            va, vb = self.embedder.encode([a, b])
            flipped = float(va @ vb)
            if flipped >= 0.85 and flipped > same + 0.02:
                return 0.0, "contradicts the passage (one says not, the other does not)"
        return max(cos, same) * 0.7 + overlap * 0.3, ""

    def parts(self, passage: Chunk) -> tuple[list[str], np.ndarray]:
        """The passage's sentences and table rows (as "header: cell" lines) with their vectors, cached per passage."""
        if passage.id not in self._part_cache:
            parts = [s for line in flatten_tables(passage.text).splitlines() for s in split_sentences(line)]
            parts = parts or [passage.text]
            self._part_cache[passage.id] = (parts, self.embedder.encode(parts))
        return self._part_cache[passage.id]
