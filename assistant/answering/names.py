"""Whether a text names an option: the distinctive terms of a name, and one word in another form.

A name is known by its distinctive terms ("SageMaker AI asynchronous inference" -> "asynchronou"); a text
names it when every term is there, maybe in another form ("compilation" for "compil"), never by a word that
only starts the same way ("rollback" is not "rolling deployment", "Trainium" not "training").
"""
from __future__ import annotations

from assistant.text import VENDOR, key_terms, stem

GENERIC_NAME = key_terms("inference endpoint endpoints model models data job jobs training service option feature mode "
                         "type types instance instances step steps process how does do you can use choose when what why "
                         "work works example worked scenario compared comparison overview vs versus which fits fit need "
                         "table summary options deploy deployment sm inf svc new old existing current") | VENDOR


def name_terms(name: str) -> frozenset:
    """
    >>> sorted(name_terms("SageMaker AI asynchronous inference")), sorted(name_terms("Amazon SageMaker Neo"))
    (['asynchronou'], ['neo'])
    """
    terms = key_terms(name) - GENERIC_NAME
    return frozenset(terms or (key_terms(name) - VENDOR))


_ENDINGS = {"e", "s", "es", "y", "al", "ally", "ly", "ic", "ical", "er", "ers", "or", "ors", "ion", "ions", "ation",
            "ations", "ment", "ments", "ity", "ive", "ness", "able", "ible", "ize", "ise", "ization", "ous", "ure"}


def same_word(term: str, word: str) -> bool:
    """One word, maybe in another form: "compil" and "compilation" are; "roll" and "rollback", "train" and
    "trainium" are not (what follows the shorter is no ending).

    >>> same_word("compil", "compilation"), same_word("asynchronou", "asynchronous"), same_word("roll", "rollback")
    (True, True, False)
    """
    if term == word:
        return True
    short, long_ = sorted((term, word), key=len)
    return len(short) >= 4 and long_.startswith(short) and long_[len(short):] in _ENDINGS


_HYPHEN_FILLER = {f(w) for w in ("based", "driven", "enabled", "aware", "level", "specific", "managed", "powered",
                                   "style", "like") for f in (str, stem)}  # terms are stemmed: "eventbridge-bas"


def _names_term(term: str, words: set[str]) -> bool:
    """One term of a name in the text's words; a hyphenated term by its parts ("auto-rollback" in "automatic
    rollback", "EventBridge-based" in "EventBridge")."""
    if any(same_word(term, w) for w in words):
        return True
    parts = [p for p in term.split("-") if len(p) >= 3 and p not in _HYPHEN_FILLER]
    return "-" in term and bool(parts) and any(p in words for p in parts) and all(
        any(same_word(p, w) or (len(p) >= 4 and w.startswith(p)) for w in words) for p in parts)


def names_any(text: str, term_sets) -> bool:
    """Does the text name one of the names given by their terms (all of a name's terms, each maybe in another
    form)?"""
    words = key_terms(text)
    return any(names and all(_names_term(t, words) for t in names) for names in term_sets)


__all__ = ["GENERIC_NAME", "name_terms", "names_any", "same_word"]
