"""`BM25Index.unknown_terms`: the names in a question that no note mentions (a question naming one is refused
unless it is very close to a note). A capital that only starts a sentence, or an acronym's plural, is no new name."""
import pytest

from assistant.index.bm25 import BM25Index
from assistant.types import Chunk

NOTES = BM25Index.build([Chunk(id="a", source="n.md", heading="Deploy",
                               text="Use CodePipeline with a SageMaker deploy step; a GPU instance is idle at 20%."),
                         ], generation=1)


@pytest.mark.parametrize("question, unknown", [
    ("Can I use CodeDeploy for a SageMaker endpoint? If not, what do I use?", ["CodeDeploy"]),
    ("The profiler shows my GPUs at 20% busy. Why?", []),
    ("How do I configure Route 53 for my endpoint?", ["Route", "53"]),
    ("What does Flask do?", ["Flask"]),
])
def test_names_no_note_mentions(question, unknown):
    assert NOTES.unknown_terms(question) == unknown
