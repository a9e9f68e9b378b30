"""The quality gate: nothing reaches the learner without passing every check, and each question records
the result of each check (name -> {"ok", "detail"}).

Checks: schema; options distinct and of similar length; no "all/none of the above"; key not guessable from
form (longest option, only option repeating the stem's words); every [n] cites a passage that was used and
is in the index; the key is supported by its cited passage; an independent solve agrees with the key;
keys spread over positions across the batch; no near-duplicate of a question already in the bank.
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np

from assistant.text import key_terms, plain
from assistant.quiz.models import Question

ALL_NONE = re.compile(r"\b(all|none|both|neither) of the (above|options|answers)\b", re.IGNORECASE)
CITE = re.compile(r"\[(\d+)\]")
SHAPE = {"mcq": (4, 4, 1, 1), "multi": (5, 6, 2, 3), "ordering": (3, 5, 3, 5), "matching": (3, 7, 3, 7)}


def _check(ok: bool, detail: str = "") -> dict:
    return {"ok": bool(ok), "detail": detail}


def form_checks(q: Question) -> dict[str, dict]:
    lo, hi, klo, khi = SHAPE[q.type]
    results = {}
    size_ok = lo <= len(q.options) <= hi and klo <= len(q.keys) <= khi and all(0 <= k < len(q.options) for k in q.keys)
    if q.type == "multi":
        size_ok = size_ok and len(set(q.keys)) == len(q.keys) and ("choose two" in q.stem.lower() or "choose three" in q.stem.lower())
    if q.type == "ordering":
        size_ok = size_ok and sorted(q.keys) == list(range(len(q.options)))
    if q.type == "matching":
        size_ok = size_ok and len(q.prompts) == len(q.keys) and sorted(q.keys) == list(range(len(q.options)))
    n_expl = len(q.prompts) if q.type == "matching" else len(q.options)
    results["schema"] = _check(size_ok and len(q.explanations) == n_expl and all(e.strip() for e in q.explanations),
                               f"{len(q.options)} options, {len(q.keys)} keys, {len(q.explanations)} explanations")
    normed = [plain(o) for o in q.options]
    results["distinct_options"] = _check(len(set(normed)) == len(normed) and all(normed), "options repeat" if len(set(normed)) != len(normed) else "")
    results["no_all_none"] = _check(not any(ALL_NONE.search(o) for o in q.options))
    if q.type in ("mcq", "multi"):
        lengths = [len(o) for o in q.options]
        ratio = max(lengths) / max(1, min(lengths))
        results["similar_length"] = _check(ratio <= 4.0, f"longest/shortest = {ratio:.1f}")
        key_lengths = sorted((lengths[k] for k in q.keys), reverse=True)
        others = sorted((length for i, length in enumerate(lengths) if i not in q.keys), reverse=True)
        longest_key_gives_away = key_lengths[-1] > 1.4 * others[0] if others else False
        stem_terms = key_terms(q.stem)
        overlaps = [len(key_terms(o) & stem_terms) for o in q.options]
        only_keys_echo = all(overlaps[k] > 0 for k in q.keys) and not any(overlaps[i] for i in range(len(q.options)) if i not in q.keys)
        results["not_guessable"] = _check(not longest_key_gives_away and not only_keys_echo,
                                          "key is the clearly longest option" if longest_key_gives_away else
                                          "only the key repeats the stem's words" if only_keys_echo else "")
    return results


def citation_checks(q: Question, indexed_ids: set[str], support) -> dict[str, dict]:
    """`support(text, citation) -> bool` says whether a passage backs a statement."""
    numbers = {c.n for c in q.citations}
    used = {int(n) for e in q.explanations for n in CITE.findall(e)}
    unknown = sorted(used - numbers)
    not_indexed = [c.n for c in q.citations if c.id not in indexed_ids]
    results = {"citations_valid": _check(bool(q.citations) and not unknown and not not_indexed and used,
                                         f"unknown [n]: {unknown}; not in the index: {not_indexed}" if unknown or not_indexed
                                         else "" if q.citations else "no passage cited")}
    by_n = {c.n: c for c in q.citations}
    unsupported = []
    for k in q.keys if q.type in ("mcq", "multi") else range(len(q.options)):
        cited = [by_n[int(n)] for n in CITE.findall(q.explanations[k] if q.type != "matching" else "") if int(n) in by_n]
        if q.type == "matching":
            cited = list(by_n.values())
        if not any(support(q.options[k], c) for c in cited):
            unsupported.append(q.options[k][:60])
    results["key_supported"] = _check(not unsupported, f"not backed by its passage: {unsupported}" if unsupported else "")
    return results


def key_balance(questions: list[Question]) -> dict[str, dict]:
    positions = Counter(k for q in questions if q.type in ("mcq", "multi") for k in q.keys)
    total = sum(positions.values())
    if total < 4:
        return {"key_balance": _check(True, "batch too small to judge")}
    share = max(positions.values()) / total
    return {"key_balance": _check(share <= 0.5, f"most common key position holds {share:.0%} of keys: {dict(sorted(positions.items()))}")}


def near_duplicate(vector: np.ndarray, bank_vectors: np.ndarray, threshold: float = 0.95) -> dict[str, dict]:
    if bank_vectors.size == 0:
        return {"not_duplicate": _check(True)}
    best = float(np.max(bank_vectors @ vector))
    return {"not_duplicate": _check(best < threshold, f"closest question in the bank: similarity {best:.2f}")}


# ---- explanations (one per option, each about its own option, each a complete sentence) -----------------
_EXPLANATION_LEAD = re.compile(r"^(?:correct|incorrect|step \d+ of \d+)\s*[:.-]\s*", re.IGNORECASE)
_GENERIC_TERMS = {"amazon", "aws", "sagemaker", "ai", "use", "option", "solution"}


def _explanation_body(text: str) -> str:
    return _EXPLANATION_LEAD.sub("", CITE.sub("", text).strip()).strip()


def _is_sentence(text: str) -> bool:
    body = _explanation_body(text)
    return (len(body.split()) >= 3 and body.rstrip("\"')").endswith((".", "!", "?"))
            and not re.match(r"^(?:and|or|but|which|because)\b", body, re.IGNORECASE))


def explanation_checks(q: Question, embed=None) -> dict[str, dict]:
    """Every explanation: one per option (per prompt for matching), about its own option, a complete sentence.

    "About its own option": an explanation that names none of its option's terms but names another option's is
    off topic, unless (with `embed`, texts -> unit vectors) its own option is still the one it is closest to; an
    explanation may say "It ..." of its own option."""
    targets = q.prompts if q.type == "matching" else q.options
    count_ok = len(q.explanations) == len(targets)
    names = []
    for target in targets:
        statement = re.match(r"^To .+, use (.+)\.$", target, re.DOTALL)  # multi: "To <need>, use <option>."
        names.append(statement.group(1) if statement else target)
    bodies = [_explanation_body(t) for t in q.explanations]
    terms = [key_terms(n) - _GENERIC_TERMS for n in names]

    def names_another(i: int) -> bool:  # it shares no term with its option but names another option's terms
        said = key_terms(bodies[i])
        return bool(terms[i]) and not terms[i] & said and any(
            (t - terms[i]) and len((t - terms[i]) & said) >= max(1, len(t - terms[i]) / 2) for j, t in enumerate(terms) if j != i)

    unsure = [i for i in range(min(len(names), len(bodies))) if names_another(i)]
    off_topic = unsure
    if unsure and embed is not None and count_ok and len(names) > 1:
        vectors = np.asarray(embed(names + bodies))
        sims = vectors[len(names):] @ vectors[:len(names)].T
        off_topic = [i for i in unsure if int(np.argmax(sims[i])) != i]
    fragments = [i for i, text in enumerate(q.explanations) if not _is_sentence(text)]
    return {"explanation_per_option": _check(count_ok, f"{len(q.explanations)} explanations for {len(targets)} "
                                                       f"{'prompts' if q.type == 'matching' else 'options'}"),
            "explanation_about_option": _check(not off_topic, f"explanations not about their option: {off_topic}" if off_topic else ""),
            "explanation_sentence": _check(not fragments, f"not a complete sentence: {fragments}" if fragments else "")}
