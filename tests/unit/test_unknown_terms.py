"""Names the notes never mention refuse a question before the model runs (`BM25Index.unknown_terms`): a word
capitalised only because it opens a sentence, or a common word, must not count as such a name."""
import pytest

from assistant.index.bm25 import BM25Index
from assistant.types import Chunk

NOTES = [
    Chunk(id="c1", source="prep.md", heading="Data preparation > Class imbalance",
          text="Resample only the training split, never the test split. SMOTE creates synthetic minority samples."),
    Chunk(id="c2", source="prep.md", heading="Data preparation > Deduplication",
          text="Remove duplicate rows before splitting, so copies of a row never land on both sides."),
]


def index() -> BM25Index:
    return BM25Index.build(NOTES, generation=1)


def test_a_capitalised_sentence_opener_is_not_an_unknown_name():
    asked = "I need to dedupe, split and oversample the minority class. In what order? Then: Which comes first?"
    assert index().unknown_terms(asked) == []


def test_a_name_no_note_mentions_is_still_found_wherever_it_stands():
    assert index().unknown_terms("How do I set up Route 53 latency routing with SMOTE?") == ["Route", "53"]
    assert index().unknown_terms("Resampling first. Does CloudFront help?") == ["CloudFront"]
    assert index().unknown_terms("Is SMOTE safe? IAM roles aside.") == ["IAM"]  # an acronym names even at the start


DEPLOY = BM25Index.build([Chunk(id="a", source="n.md", heading="Deploy",
                                text="Use CodePipeline with a SageMaker deploy step; a GPU instance is idle at 20%.")],
                         generation=1)


@pytest.mark.parametrize("question, unknown", [
    ("Can I use CodeDeploy for a SageMaker endpoint? If not, what do I use?", ["CodeDeploy"]),
    ("The profiler shows my GPUs at 20% busy. Why?", []),
    ("How do I configure Route 53 for my endpoint?", ["Route", "53"]),
    ("What does Flask do?", ["Flask"]),
])
def test_names_no_note_mentions(question, unknown):
    assert DEPLOY.unknown_terms(question) == unknown


IMAGES = BM25Index.build([Chunk(id="i", source="n.md", heading="Images",
                                text="Prebuilt Python 3 images run the deploy step; a GPU instance is idle at 20%.")],
                         generation=1)


@pytest.mark.parametrize("question, unknown", [
    ("route 53: weighted vs latency routing, which one?", ["route", "53"]),  # typed in lower case
    ("how do i chmod 755 the deploy script", ["chmod", "755"]),
    ("does python 3 work for the deploy step?", []),  # the notes say "Python 3"
    ("is chmod 755 needed here", []),  # a number before a content word may count it: not read as a name
    ("our deploy step has to run 24/7, and takes a 10-minute window", []),  # quantities, not names
    ("the instance sits idle at 20?", []),
    ("they only need 4 or 5 of the 200 columns", []),  # a range
])
def test_a_lower_case_name_with_its_number(question, unknown):
    assert IMAGES.unknown_terms(question) == unknown
