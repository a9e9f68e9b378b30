"""Questions that ask for a value — a price, a count, a limit, a default, a version, a percentage, a duration —
and whether an answer gives one.

Near-topic questions (issue #16) ask for a figure the notes never state: "how much does an ml.g5 notebook cost
per hour?", "what is the default mini batch size of k-means?". Retrieval finds the right service's notes, the
model writes true sentences about that service, the verifier backs each one, and the answer looks complete —
yet none of its sentences holds the figure asked for. The verifier cannot see that: each sentence *is* in the
notes. So, in code: when the question's main ask is a value, an answer must hold a value of that kind, in a
sentence about what was asked (it shares the question's words; for a count, the number counts the thing asked
about), that the question did not already state. Otherwise `present` refuses and says what the notes hold
nearest.

>>> ask = asked_value("how much does an ml.g5.2xlarge notebook instance cost per hour?")
>>> ask.kind, gives_value("GPU instances such as ml.g5 cost more per hour.", ask)
('price', False)
>>> gives_value("An ml.g5.2xlarge notebook instance costs $1.52 per hour on demand.", ask)
True
>>> asked_value("which purchase option lowers the cost of endpoints that run 24/7?") is None
True
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from assistant.answering.question_kind import ASKING, quantities
from assistant.text import STOPWORDS, VENDOR, key_terms, split_sentences, stem

# words that name the value asked for, not the thing it belongs to
VALUE_WORDS = key_terms("""default defaults maximum minimum max min largest biggest greatest most fewest smallest highest lowest limit limits number
amount value values cost costs price pricing charge charges pay paid bill billed much many long version versions release
releases percentage percent uptime quota quotas size count total per""")

_NUMBER_WORDS = ("zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
                 "fifty|sixty|hundred|thousand|million|billion|dozen|unlimited|no limit")
_NUMBER = re.compile(rf"(?<![\w.])(?:\d[\d,]*(?:\.\d+)?|{_NUMBER_WORDS})(?![\w])", re.I)
_PRICE_VALUE = re.compile(r"[$€£]\s?\d|\b\d[\d,]*(?:\.\d+)?\s?(?:usd|dollars?|cents?|eur)\b|\bfree of charge\b|"
                          r"\bno (?:additional |extra |hourly |separate )?(?:charge|cost|fee)\b|\bat no (?:additional |extra )?cost\b",
                          re.I)
_VERSION_VALUE = re.compile(r"(?<![\w.])v?\d+\.\d+(?:\.\d+)*(?:-\d+)?(?![\w.]*xlarge)\b|\bversion \d+\b", re.I)
_REGION_VALUE = re.compile(r"\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn)-(?:gov-)?(?:east|west|north|south|central|northeast|"
                           r"southeast|northwest|southwest)-\d\b|\b(?:N\. Virginia|Ohio|Oregon|N\. California|Ireland|"
                           r"Frankfurt|London|Paris|Stockholm|Milan|Tokyo|Osaka|Seoul|Singapore|Sydney|Mumbai|"
                           r"S[aã]o Paulo|Bahrain|Cape Town)\b")
_PERCENT_VALUE = re.compile(r"\d(?:[\d,.]*\d)?\s?%|\b\d[\d,.]*\s?percent\b", re.I)

_W = r"[\w.\-/]+ "  # a word, with its dots and hyphens ("ml.g5.2xlarge", "on-demand")
_REGION = re.compile(r"\b(?:which|what) (?:aws )?regions?\b", re.I)
_PRICE = re.compile(rf"\bhow much (?:{_W}){{0,8}}?(?:cost|costs|charge|charges|charged|bill|billed|pay|price)\b|"
                    rf"\b(?:what|which) (?:is|are|'s)? ?(?:the )?(?:{_W}){{0,3}}?(?:price|pricing|hourly rate|rate per)\b"
                    r"(?! (?:option|model|plan|tier|type|choice)s?\b)|"
                    rf"\bwhat does (?:{_W}){{1,8}}?(?:charge|cost)\b|\bhow much is (?:{_W}){{0,6}}?per\b", re.I)
_PERCENT = re.compile(rf"\bwhat (?:{_W}){{0,2}}?(?:percentage|percent|uptime)\b|\bhow much (?:{_W}){{0,6}}?(?:save|saves|saving|"
                      r"savings|discount|cheaper)\b", re.I)
_VERSION = re.compile(rf"\b(?:which|what) (?:{_W}){{0,4}}?(?:version|versions|release)\b", re.I)
_COUNT = re.compile(r"\bhow many (?:more )?((?:[\w\-]+ ?){1,3})|\b(?:maximum|minimum|max|min|default|largest|"
                    r"total|highest|lowest) number of ((?:[\w\-]+ ?){1,3})", re.I)
_UNIT_WORDS = {"kb", "mb", "gb", "tb", "ms", "s", "%", "percent", "second", "seconds", "minute", "minutes", "hour",
               "hours", "day", "days", "times", "x"}
_NOT_COUNTED = {"allowed", "needed", "required", "supported", "possible", "permitted", "we", "my", "our"}
_DURATION = re.compile(r"\bhow long (?:does|do|can|will|is|are|should)\b|\bafter how (?:many|much) (?:minutes|hours|"
                       r"days|seconds|time)\b", re.I)
_BOUND = r"(?:default|maximum|minimum|max|min|largest|biggest|greatest|smallest|highest|lowest|longest|shortest|upper|lower)"
_LIMIT = re.compile(rf"\bwhat(?:'s| is| are)? (?:the )?{_BOUND}\b|\bwhat default\b|\b(?:default|maximum|minimum) (?:value|"
                    r"setting|size|limit|timeout|duration|retention)\b|\bhow (?:large|big|small)\b|"
                    rf"\b(?:what|which)(?:'s| is| are)? (?:the )?(?:{_W}){{0,3}}?{_BOUND} (?:{_W}){{0,3}}?(?:size|limit|length|"
                    r"timeout|duration|period|quota|count|memory|payload|value|amount|number)\b|"
                    rf"^(?:what|which) (?:{_W}){{1,10}}?by default\b|\bwhat(?:'s| is| are) (?:the )?(?:{_W}){{1,4}}?defaults?\b",
                    re.I)
# "how much memory ...": an amount (a "how much" that is no price nor a saving, asked of a quantity noun)
_AMOUNT = re.compile(rf"\bhow much (?:more )?(?:{_W}){{0,2}}?(?:memory|ram|storage|disk|space|data|throughput|bandwidth|"
                     r"capacity|vcpus?|cpu|gpu memory|traffic|volume)\b", re.I)
_AMOUNT_TIME = re.compile(r"\bhow much time\b", re.I)
# "what is the most endpoints an account can run": a count of what follows "most"
_MOST = re.compile(r"\b(?:what|which)(?:'s| is| are)? (?:the )?(?:most|fewest|greatest number of|largest number of|"
                   r"highest number of|least number of) ((?:[\w\-]+ ?){1,3})", re.I)


@dataclass
class ValueAsk:
    """What value a question asks for. `kind`: region | price | percentage | version | count | duration | limit."""
    kind: str
    counted: str = ""  # for a count: the stem of what is counted ("gpu", "shard")
    counted_word: str = ""  # ... as the question says it ("gpus")
    terms: set[str] = field(default_factory=set)  # the question's words about what the value belongs to
    given: set[str] = field(default_factory=set)  # numbers the question itself states (not an answer when repeated)
    # ... and, for a duration, the durations it states ("after 5 minutes")
    bound: str = ""  # "max" when it asks for a maximum, "min" for a minimum
    unit: str = ""  # "size" or "duration" when the question names the unit it wants ("... in seconds")

    def describe(self) -> str:
        return {"region": "a Region", "price": "a price", "percentage": "a percentage", "version": "a version", "duration": "a duration",
                "count": f"the number of {self.counted_word}" if self.counted_word else "a number",
                "limit": "that value"}[self.kind]


def _numbers(text: str) -> set[str]:
    return {m.group(0).lower().replace(",", "") for m in _NUMBER.finditer(text)}


def _durations(text: str) -> set[str]:
    return {m.group(0) for m in re.finditer(r"\b\d[\d,.]*\s*(?:seconds?|minutes?|hours?|days?)\b", text, re.I)}


def asked_value(question: str) -> ValueAsk | None:
    """The value the question's main ask is, or None when it asks for something else (a choice, steps, a why).

    >>> [getattr(asked_value(q), "kind", None) for q in ("how many gpus does an ml.p4d.24xlarge instance have?",
    ...  "which release of the python sdk added modelbuilder?", "how long does kinesis keep records by default?",
    ...  "what is the default mini batch size for k-means?", "how do i reduce training cost with spot instances?",
    ...  "what uptime percentage does the sla guarantee?", "which service should we use to label images?")]
    ['count', 'version', 'duration', 'limit', None, 'percentage', None]
    >>> asked_value("which aws region has the lowest price for training instances?").kind
    'region'
    >>> asked_value("what is the maximum number of steps one pipeline can contain?").describe()
    'the number of steps'
    >>> [asked_value(q).unit for q in ("whats the biggest container image size serverless inference accepts",
    ...  "how large can a request payload be for real-time inference?", "what is the default mini batch size for k-means?")]
    ['size', 'size', '']
    """
    ask = _value_ask(question.strip())
    if ask is not None and (m := _UNIT_ASKED.search(question)):
        ask.unit = "size" if m.group(1).lower() in _SIZE_UNITS else "duration"
    elif ask is not None and ask.kind == "limit" and _BYTES_ASKED.search(question):
        ask.unit = "size"  # an image's size is a number of bytes: "up to 15 containers" is no answer
    if ask is not None:
        ask.bound = ("max" if re.search(r"\b(?:maximum|max|largest|biggest|greatest|most|highest|longest|upper)\b", question, re.I) else
                     "min" if re.search(r"\b(?:minimum|min|smallest|least|lowest|shortest|fewest)\b", question, re.I)
                     else "")
    return ask


_ADJECTIVE = re.compile(r"(?:ly|al|ive|ent|ant|able|ible|ful|ic|ous|ate|est|ure)$|^(?:important|common|popular|secure|"
                        r"likely|cost-\w+|least)$", re.I)


def _most(q: str) -> re.Match | None:
    """ "the most endpoints" counts endpoints; "the most cost-effective way", "the most likely reason" count nothing.

    >>> [bool(_most(q)) for q in ("what is the most endpoints one account can run?", "what is the most likely reason?",
    ...  "what is the most cost-effective way to serve it?", "what are the most important features of clarify?")]
    [True, False, False, False]
    """
    m = _MOST.search(q)
    if m is None:
        return None
    words = m.group(1).split()
    if _ADJECTIVE.search(words[0].lower()) or not any(w.lower().endswith("s") and not w.lower().endswith("ss")
                                                      for w in words):
        return None
    return m


_SIZE_UNITS = {"kb", "mb", "gb", "tb", "bytes", "kilobytes", "megabytes", "gigabytes", "terabytes"}
_UNIT_ASKED = re.compile(r"\bin (?:whole )?(seconds|secs|minutes|mins|hours|days|milliseconds|ms|kb|mb|gb|tb|bytes|"
                         r"kilobytes|megabytes|gigabytes|terabytes)\b", re.I)
# a size that is a number of bytes ("image size", "how large can a payload be"); a batch or window size is a count
_BYTES_NOUN = r"(?:image|payload|file|object|artifact|record|message|request|response|body|disk|volume|document|tarball)s?"
_BYTES_ASKED = re.compile(rf"\b{_BYTES_NOUN} sizes?\b|\bsizes? of (?:an? |the |each |one )?(?:[\w\-]+ ){{0,2}}?{_BYTES_NOUN}\b|"
                          rf"\bhow (?:large|big) (?:\w+ ){{0,5}}?{_BYTES_NOUN}\b", re.I)
_UNIT_VALUE = {
    "size": re.compile(rf"\b(\d[\d,.]*|{_NUMBER_WORDS})\s*-?(?:kb|mb|gb|tb|kib|mib|gib|bytes?|kilobytes?|megabytes?|"
                       r"gigabytes?|terabytes?)\b", re.I),
    "duration": re.compile(rf"\b(\d[\d,.]*|{_NUMBER_WORDS}|an?)\s*-?(?:ms|milliseconds?|s|secs?|seconds?|mins?|"
                           r"minutes?|hours?|hrs?|days?)\b", re.I)}


def _value_ask(q: str) -> ValueAsk | None:
    q = re.sub(r"\b(what|which|how|where|who)'?s\b", r"\1 is", q, flags=re.I)  # "what's", "whats"
    terms = key_terms(q) - ASKING - VENDOR - VALUE_WORDS
    terms = {t for t in terms if not t[:1].isdigit()}
    given = _numbers(q) | _durations(q)
    if _REGION.search(q):
        return ValueAsk("region", terms=terms, given=given)
    if _PRICE.search(q):
        return ValueAsk("price", terms=terms, given=given)
    if _PERCENT.search(q):
        return ValueAsk("percentage", terms=terms, given=given)
    if _VERSION.search(q):
        return ValueAsk("version", terms=terms, given=given)
    m = _COUNT.search(q) or _most(q)
    if m:
        words = []
        for w in next(g for g in m.groups() if g).lower().split():  # up to the first little word: "free hours" of ...
            if w in STOPWORDS or w in _NOT_COUNTED or _NUMBER.fullmatch(w):
                break
            words.append(w)
        counted = stem(words[-1]) if words else ""
        if counted in {"minute", "minut", "hour", "day", "second", "week", "month", "year"}:
            return ValueAsk("duration", terms=terms, given=given)
        return ValueAsk("count", counted=counted, counted_word=words[-1] if words else "", terms=terms - {counted} or terms,
                        given=given)
    if _DURATION.search(q) or _AMOUNT_TIME.search(q):
        return ValueAsk("duration", terms=terms, given=given)
    if _AMOUNT.search(q):
        return ValueAsk("limit", terms=terms, given=given)
    if _LIMIT.search(q):
        return ValueAsk("limit", terms=terms, given=given)
    return None


def _fresh(values: set[str], ask: ValueAsk) -> bool:
    return bool({v.lower().replace(",", "") for v in values} - ask.given)


def _counted_after(words: list[str]) -> set[str]:
    """What a number counts: the words after it up to a unit or "per" ("2 MB/s per shard" counts megabytes)."""
    out = set()
    for w in words:
        w = w.strip(".,;:()")
        if w == "per" or w in _UNIT_WORDS or w.split("/")[0] in _UNIT_WORDS:
            break
        out.add(stem(w.split("/")[0]))  # "1,000 records/s" counts records
        if "/" in w:
            break
    return out


def _counts(sentence: str, ask: ValueAsk) -> set[str]:
    """The numbers in the sentence that count what the question counts (not ones the question states)."""
    words = re.findall(r"[\w\-,.%$/]+", sentence.lower())
    # "the maximum number of containers ... is 15": the sentence names what it counts before the number
    m = re.search(r"\bnumber of ((?:[\w\-]+ ){0,2}[\w\-]+)", sentence.lower())
    named = bool(ask.counted and m and ask.counted in {stem(w) for w in m.group(1).split()})
    out = set()
    for i, w in enumerate(words):
        number = w.rstrip(".,").replace(",", "")
        if _NUMBER.fullmatch(w.rstrip(".,")) and number not in ask.given:
            if not ask.counted or named or ask.counted in _counted_after(words[i + 1:i + 4]):
                out.add(number)
    return out


def has_value(sentence: str, ask: ValueAsk) -> bool:
    """Does the sentence hold a value of the kind asked (one the question did not already state)?

    >>> has_value("Records are retained 24 hours by default.", ValueAsk("duration"))
    True
    >>> has_value("Warm pools start the next job in seconds, not minutes.", ValueAsk("duration"))
    True
    >>> has_value("GPU instances cost more per hour.", ValueAsk("price")), has_value("Add shards.", ValueAsk("count", "shard"))
    (False, False)
    >>> has_value("Each shard accepts 1,000 records per second.", ValueAsk("count", "shard"))
    False
    >>> has_value("It serves 2 MB/s per shard.", ValueAsk("count", "shard")), has_value("up to 8 GPUs", ValueAsk("count", "gpu"))
    (False, True)
    >>> has_value("The maximum number of containers in one endpoint is 15.", ValueAsk("count", "container"))
    True
    """
    if ask.unit and ask.kind in ("limit", "count", "duration"):  # "... in seconds": a number of seconds
        return any(m.group(1).lower().replace(",", "") not in ask.given for m in _UNIT_VALUE[ask.unit].finditer(sentence))
    if ask.kind == "region":
        return bool(_REGION_VALUE.search(sentence))
    if ask.kind == "price":
        return bool(_PRICE_VALUE.search(sentence))
    if ask.kind == "percentage":
        return _fresh({m.group(0) for m in _PERCENT_VALUE.finditer(sentence)}, ask)
    if ask.kind == "version":
        return _fresh({m.group(0) for m in _VERSION_VALUE.finditer(sentence)}, ask)
    if ask.kind == "duration":  # "a few seconds", "minutes rather than hours" answer "how long" too
        stated = {q.value for q in quantities(" ".join(ask.given)) if q.dimension == "duration"}
        return any(q.dimension == "duration" and q.value not in stated for q in quantities(sentence)) \
            or bool(re.search(r"\bno (?:time )?limit\b|\bindefinitely\b|\buntil (?:you|it)\b", sentence, re.I))
    if ask.kind == "count":
        return bool(_counts(sentence, ask))
    return _fresh(_numbers(sentence), ask) or bool(re.search(r"\bdefaults?\b", sentence, re.I))


_OTHER_BOUND = {"max": re.compile(r"\b(?:at least|a minimum of|minimum of|no fewer than|more than)\s+[\w,.$%]+", re.I),
                "min": re.compile(r"\b(?:up to|at most|a maximum of|maximum of|no more than)\s+[\w,.$%]+", re.I)}


def gives_value(sentence: str, ask: ValueAsk, where: str = "", backing: str | None = None, shown: str = "") -> bool:
    """A value of the kind asked, about what was asked, and stated by the notes: the sentence, with `where` it
    comes from (its passage's heading), shares at least a third of the question's own words (not the value's:
    "default", "cost"), and when the `backing` passages' text is given, one of its sentences states the same
    value (a number the model wrote into an otherwise supported sentence is not the notes'). The
    asynchronous-inference timeout is no answer to a question about batch transform's. A value stated in another
    passage `shown` to the model backs it too when that passage's sentence names what the answer gives the value
    for ("Bayesian optimization (default)" backs "tuning uses Bayesian optimization by default").

    >>> ask = asked_value("what is the default timeout for each invocation request a batch transform job sends to the container?")
    >>> gives_value("The per-request timeout defaults to 15 minutes.", ask, "When to choose asynchronous inference")
    False
    >>> gives_value("Each invocation request times out after 600 seconds by default.", ask, "Batch transform")
    True
    >>> gives_value("A feature group must define at least 2 features.", asked_value("what is the maximum number of "
    ...             "features in a feature group?"))
    False
    >>> ask = asked_value("how many labeled objects does labeling need before automated labeling starts?")
    >>> gives_value("Automated labeling needs 1,000 labeled objects.", ask, backing="Humans label a first sample.")
    False
    >>> ask = asked_value("what is the maximum number of steps one pipeline can contain?")
    >>> gives_value("A pipeline can contain up to 100,000 steps.", ask, backing="100,000 examples make 200 steps.")
    False
    >>> ask = asked_value("how many containers can a multi-container endpoint hold?")  # a flashcard backs it
    >>> gives_value("It holds up to 15 containers.", ask, "", "Q: Maximum number of containers in one endpoint?\\nA: 15.")
    True
    >>> ask = asked_value("which search strategy does automatic model tuning use by default?")
    >>> [gives_value("Automatic model tuning uses Bayesian optimization by default.", ask, "Search strategies",
    ...              "Random search runs jobs in parallel.", shown) for shown in ("Bayesian optimization (default): "
    ...  "learns from earlier jobs.", "Hyperband is the default for early stopping.")]
    [True, False]
    """
    if ask.bound:  # "at least one feature" is no answer to the maximum number of features
        sentence = _OTHER_BOUND[ask.bound].sub(" ", sentence)
    if not has_value(sentence, ask):
        return False
    shared = key_terms(f"{sentence} {where}") & ask.terms
    if len(shared) < max(1, math.ceil(len(ask.terms) / 3)) and ask.terms:
        return False
    if backing is None or _backed(sentence, ask, backing):
        return True
    own = key_terms(sentence) - ask.terms - VALUE_WORDS - STOPWORDS - VENDOR  # what it gives the value for
    return bool(shown and own) and _backed(sentence, ask, shown, own)


def _backed(sentence: str, ask: ValueAsk, backing: str, naming: set[str] | None = None) -> bool:
    """Does a sentence of the passages state a value of the kind asked, the same number as `sentence` if it has one
    (and, with `naming`, one of those words)?"""
    numbers = _counts if ask.kind == "count" else lambda text, _: _numbers(text) - ask.given
    mine = numbers(sentence, ask)
    lines = [line for line in backing.splitlines() if line.strip()]
    # a flashcard's question and answer read as one: "Q: Maximum number of containers ...?" / "A: 15"
    cards = [f"{q.strip()} {a.strip()}" for q, a in zip(lines, lines[1:]) if q.rstrip().endswith("?")]
    for line in lines + cards:
        for theirs in ([line] if line in cards else split_sentences(line)):
            if has_value(theirs, ask) and (not mine or mine & numbers(theirs, ask)) \
                    and (naming is None or naming & key_terms(theirs)):
                return True
    return False


def answers_value(sentences: list[str], ask: ValueAsk | None, where: list[str] | None = None,
                  backing: list[str] | None = None, shown: str = "") -> bool:
    """Does any sentence of the answer give the value asked (`where`: each one's passage headings; `backing`:
    the text of the passages that back each one; `shown`: of all passages shown)? True when the question asks
    for no value."""
    where = where or [""] * len(sentences)
    backing = backing or [None] * len(sentences)
    return ask is None or any(gives_value(s, ask, w, b, shown) for s, w, b in zip(sentences, where, backing))


__all__ = ["ValueAsk", "asked_value", "answers_value", "gives_value", "has_value"]
