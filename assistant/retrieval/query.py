"""Checks on a learner's question before anything is searched or generated.

>>> check_query("  warm pools  ")
'warm pools'
"""
from __future__ import annotations

MAX_QUERY_CHARS = 4000


class QueryError(ValueError):
    """A question that cannot be searched as given."""


def check_query(query: str) -> str:
    query = (query or "").strip()
    if not query:
        raise QueryError("the question is empty; type what you want to find")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"the question is {len(query):,} characters long; keep it under {MAX_QUERY_CHARS:,} "
                         "(ask about one thing at a time)")
    return query
