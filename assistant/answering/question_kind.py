"""What a question asks: its kind (a choice, a proposal, steps, a definition, a comparison, a why, a how) and its
constraints (quantities it needs, things it rules out, the terms that describe the situation).

The answer stage uses the kind to know what an answer must contain (a choice names one option first; a
comparison says something about each side) and the constraints to score the options against their own notes.

>>> q = read_question("Payloads are several hundred MB and take minutes; no GPUs. Which inference option fits?")
>>> q.kind, [(c.dimension, c.value) for c in q.quantities], sorted(q.negated)
('choice', [('size', 200000000.0), ('duration', 60.0)], ['gpu'])
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.text import VENDOR, key_terms, stem

# words that ask rather than describe: they say nothing about which option fits
ASKING = key_terms("""which what how why when should would could we our us i my me use using choose pick option
options service services solution approach method way best fit fits fitting need needs want wants do does make
help right most least recommended set up setup step steps there between difference compare versus vs tell explain
describe define meaning mean""")

KINDS = ("choice", "proposal", "steps", "definition", "comparison", "why", "how", "other")

_COMPARISON = re.compile(r"\b(?:difference|differences|differ|compare|comparison|versus|vs\.?|contrast)\b", re.I)
_STEPS = re.compile(r"\b(?:steps?|in order|sequence|order of|process for|walk me through|set up|setup|configure)\b", re.I)
_CHOICE = re.compile(r"\b(?:which|what)\b(?:\s+\S+){0,4}?\s+(?:should|would|could|can|to|fits?|is best|is the best|"
                     r"is most|meets?|must)\b|\bwhich\s+(?:\w+\s+){0,3}(?:service|option|feature|strategy|approach|"
                     r"method|tool|technique|instance|algorithm|type|mode|step|solution)\b|\bshould (?:we|i|you|they)"
                     r" (?:use|choose|pick)\b|\bwhat (?:should|can|could|do|would) (?:we|i|you) use\b|\bmost (?:cost-effective|"
                     r"efficient|suitable)\b|\bleast (?:operational|effort|overhead)\b", re.I)
# a yes/no question about one option the learner has in mind ("Should we switch to data parallelism?", "Would adding
# a NAT gateway fix it?", "Is a Glue job a good idea?"): a choice in disguise, where a small model tends to say yes
_PROPOSAL = re.compile(r"(?:^|[.!?;]\s+)(?:so\s+|then\s+)?(?:should|shall|can|could|would|will)\s+(?:we|i|adding|using|"
                       r"enabling|switching|turning|moving|running)\b(?![^?]*\bor\b)[^?]*\?|\bis (?:it|that|this|an?\s[^?]{1,80}?)\s+"
                       r"(?:a good idea|ok|okay|fine|enough|worth it|the right (?:tool|choice|call|approach|option|way))\b"
                       r"|\b(?:would|will|could|does|do)\s+(?:an?|the|our|a\s+new)\s[^?]{1,80}?\s+(?:work|help|fix|solve|"
                       r"suffice|do the job|be enough)\b(?![^?]*\bor\b)[^?]*\?",
                       re.I)
_DEFINITION = re.compile(r"^\s*(?:what (?:is|are|does)\b(?!.*\b(?:best|should|fits?)\b)|define\b|what do(?:es)? .+ mean)",
                         re.I)
_WHY = re.compile(r"^\s*why\b", re.I)
_HOW = re.compile(r"^\s*how\b|\bhow (?:can|do|should|would) (?:we|i|you)\b", re.I)

_NEGATORS = {"no", "not", "without", "never", "nor", "lack", "lacks", "none", "cannot", "can't", "don't", "doesn't"}
# words by which notes deny what follows: "prevents data leakage from the future", "avoids retraining"
_DENIERS = _NEGATORS | {"prevent", "prevents", "avoid", "avoids", "avoiding", "stop", "stops", "block", "blocks"}
_STOP_SCOPE = {"but", "only", "so", "because", "while", "just", "which", "that", "then", "instead"}
_DETERMINERS = {"the", "a", "an", "this", "that", "our", "its", "it", "their", "your", "my", "for", "to", "in", "on"}
_UNITS = {"kb": 1e3, "kilobyte": 1e3, "mb": 1e6, "megabyte": 1e6, "gb": 1e9, "gigabyte": 1e9, "tb": 1e12,
          "terabyte": 1e12, "second": 1.0, "sec": 1.0, "s": 1.0, "minute": 60.0, "min": 60.0, "hour": 3600.0,
          "hr": 3600.0, "day": 86400.0}
_DIMENSION = {"kb": "size", "kilobyte": "size", "mb": "size", "megabyte": "size", "gb": "size", "gigabyte": "size",
              "tb": "size", "terabyte": "size", "second": "duration", "sec": "duration", "s": "duration",
              "minute": "duration", "min": "duration", "hour": "duration", "hr": "duration", "day": "duration"}
_UNIT = r"(kb|kilobytes?|mb|megabytes?|gb|gigabytes?|tb|terabytes?|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|s)\b"
_WORDS = {"one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "five": 5, "ten": 10, "fifteen": 15, "twenty": 20,
          "thirty": 30, "sixty": 60, "several": 2, "a few": 2, "few": 2, "many": 2, "multiple": 2}
_AMOUNT = re.compile(r"(?:(\d[\d,]*(?:\.\d+)?)|\b(one|an?|two|three|five|ten|fifteen|twenty|thirty|sixty|several|a few|"
                     r"few|many|multiple)\b)?\s*(hundreds? of|thousands? of|hundred|thousand)?\s*[- ]?" + _UNIT, re.I)


@dataclass(frozen=True)
class Quantity:
    dimension: str  # "size" (bytes) or "duration" (seconds)
    value: float


@dataclass
class QuestionRead:
    text: str
    kind: str
    quantities: list[Quantity] = field(default_factory=list)  # what the situation needs at least
    negated: set[str] = field(default_factory=set)  # key terms the question rules out ("no labels")
    terms: set[str] = field(default_factory=set)  # key terms that describe the situation (asking words removed)


def quantities(text: str) -> list[Quantity]:
    """Sizes and durations a text names, in bytes and seconds; "hundreds of MB" is at least 100 MB, "minutes" at
    least one minute.

    >>> [(q.dimension, q.value) for q in quantities("payload up to 6 MB, response within 60 seconds; up to one hour")]
    [('size', 6000000.0), ('duration', 60.0), ('duration', 3600.0)]
    """
    out = []
    for m in _AMOUNT.finditer(text):
        number, word, scale, unit = m.groups()
        unit = unit.lower().rstrip("s") if unit.lower() not in ("s",) else "s"
        unit = {"kilobyte": "kilobyte"}.get(unit, unit)
        if unit not in _UNITS:
            continue
        if unit == "s" and not number:
            continue  # a lone "s" is no unit
        value = float(number.replace(",", "")) if number else float(_WORDS.get((word or "").lower(), 1))
        if scale:
            value *= 1000.0 if scale.lower().startswith("thousand") else 100.0
        out.append(Quantity(_DIMENSION[unit], value * _UNITS[unit]))
    return out


def negated_terms(text: str, negators: set[str] = _NEGATORS) -> set[str]:
    """Key terms a negation rules out: "no prompt and response pairs" -> prompt, response, pair (up to four words, to a determiner).

    >>> sorted(negated_terms("no prompt and response pairs, only unlabeled text; we cannot retrain the model"))
    ['pair', 'prompt', 'response', 'retrain']
    """
    out: set[str] = set()
    words = re.findall(r"[\w\-']+", text.lower())
    for i, w in enumerate(words):
        if w not in negators:
            continue
        taken = 0
        for nxt in words[i + 1:i + 5]:
            if nxt in negators or nxt in _STOP_SCOPE or (taken and nxt in _DETERMINERS):
                break
            taken += bool(key_terms(nxt))
            out |= key_terms(nxt)
    return out - ASKING


def denied_in_notes(text: str) -> set[str]:
    """Key terms a note denies, by a negation or by saying what it prevents or avoids, to the clause's end (at
    most six words; wider than the verifier's `support.denied_terms` / `blocked_terms`, whose short windows keep
    its excuses narrow): an option whose notes say "prevents data leakage from the future" agrees with a question's
    "so no future data leaks in".

    >>> sorted(denied_in_notes("This prevents data leakage from the future. It does not retrain; it is fast."))
    ['data', 'future', 'leakage', 'retrain']
    """
    out: set[str] = set()
    for clause in re.split(r"[.;:,!?()]", text.lower()):
        words = re.findall(r"[\w\-']+", clause)
        for i, w in enumerate(words):
            if w in _DENIERS:
                for nxt in words[i + 1:i + 7]:
                    if nxt in _STOP_SCOPE:
                        break
                    out |= key_terms(nxt)
    return out - ASKING


def kind_of(question: str) -> str:
    """
    >>> [kind_of(q) for q in ("What is the difference between Kinesis Data Streams and Firehose?",
    ...   "Which service should we use to label images?", "What are the steps to create a feature group?",
    ...   "What is SageMaker Neo?", "Why did F1 drop?", "How can I reduce training start-up time?",
    ...   "Training runs out of GPU memory. Should we just add more GPUs?", "Is a Glue crawler the right tool here?",
    ...   "Would a point-in-time query against the offline store work?",
    ...   "How can we tell who changed it?", "Should I keep the credentials in Secrets Manager or Parameter Store?")]
    ['comparison', 'choice', 'steps', 'definition', 'why', 'how', 'proposal', 'proposal', 'proposal', 'how', 'other']
    """
    if _COMPARISON.search(question) and not re.search(r"\bshould\b|\bwhich\b", question, re.I):
        return "comparison"
    if re.search(r"\b(?:what are the steps|steps? (?:to|for)|in (?:what|which) order)\b", question, re.I):
        return "steps"
    if _CHOICE.search(question) or re.search(r"\bshould (?:we|i) use .+ or .+\?", question, re.I):
        return "choice"
    if _PROPOSAL.search(question):
        return "proposal"
    if _STEPS.search(question):
        return "steps"
    if _DEFINITION.search(question):
        return "definition"
    if _WHY.search(question):
        return "why"
    if _HOW.search(question):
        return "how"
    return "other"


# the noun a "which ..." question names the thing it wants with ("which purchase option", "which managed graph
# database"); the ones that say only "an option of some kind" are no constraint, their modifiers are
_KIND_HEADS = {"service", "services", "option", "options", "tool", "tools", "feature", "features", "approach",
               "strategy", "method", "technique", "database", "databases", "store", "algorithm", "metric", "format",
               "mode", "policy", "family", "solution", "product", "capability", "plan", "pricing", "workforce",
               "scheme", "mechanism", "framework", "engine", "warehouse", "queue"}
_GENERIC_KIND = key_terms("""service services option options tool tools feature features approach strategy method
technique solution product capability mechanism aws amazon managed fully sagemaker ai best right most least good
cost-effective appropriate suitable new existing other ml machine learning""")


def asked_kind(question: str) -> tuple[str, frozenset]:
    """What kind of thing a "which ..." question asks for, and the terms an option of that kind is described
    with: ("purchase option", {"purchas"}). ("", {}) when it asks for "a service", "an option" or no kind.

    >>> [asked_kind(q)[0] for q in ("Which purchase option lowers the cost of endpoints that run 24/7?",
    ...  "which managed graph database should i use on aws?", "Which AWS service should we use to label images?",
    ...  "Which search strategy does automatic model tuning use by default?", "How do I label images?")]
    ['purchase option', 'managed graph database', 'AWS service', 'search strategy', '']
    >>> [sorted(asked_kind(q)[1]) for q in ("which managed graph database fits?", "Which AWS service fits?")]
    [['database', 'graph'], []]
    """
    m = re.search(r"\b(?:which|what)\s+((?:[\w\-]+\s+){0,3}?)([\w\-]+)\s+(?:should|would|could|can|do|does|is|are|"
                  r"will|to|for|fits?|lets?|gives?|cuts?|lowers?|meets?|best|helps?|must)\b", question, re.I)
    if not m or m.group(2).lower() not in _KIND_HEADS:
        return "", frozenset()
    phrase = f"{m.group(1)}{m.group(2)}".strip()
    words = phrase.split()
    if any(w.lower() in {"the", "a", "an", "of", "and", "or", "is", "are"} for w in words):
        return "", frozenset()
    common = " ".join(w for w in words if w.islower())  # "Kinesis", "SageMaker": names, which unknown_terms checks
    return phrase, frozenset(key_terms(common) - _GENERIC_KIND - VENDOR)


def read_question(question: str) -> QuestionRead:
    """
    >>> sorted(read_question("Check the dataset for bias before training").terms)
    ['bia', 'check', 'dataset', 'pre-train', 'train']
    """
    negated = negated_terms(question)
    terms = key_terms(question) - ASKING - VENDOR - negated
    # "before training" is how notes say "pre-training"; "after deployment", "post-deployment"
    terms |= {f"{p}-{stem(w.lower())}" for b, w in re.findall(r"\b(before|after)\s+(\w+)", question, re.I)
              for p in [{"before": "pre", "after": "post"}[b.lower()]]}
    terms = {t for t in terms if not t.isdigit()}
    return QuestionRead(question, kind_of(question), quantities(question), negated, terms)


__all__ = ["KINDS", "Quantity", "QuestionRead", "asked_kind", "quantities", "negated_terms", "denied_in_notes", "kind_of", "read_question", "stem"]
