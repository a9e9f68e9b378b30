import json
import random

import pytest

from assistant.llm.jsonstream import JsonAnswerStream

REPLY = json.dumps({"sentences": [
    {"cites": [1], "text": "Warm pools keep instances alive \"between\" jobs."},
    {"cites": [2, 3], "text": "Spot training saves cost; use checkpoints.\nResume later \u2014 fine."},
    {"cites": [], "text": "No citation here."},
]})


@pytest.mark.parametrize("seed", range(20))
def test_stream_shows_the_same_text_however_the_reply_is_split(seed):
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(REPLY)), 15))
    pieces = [REPLY[i:j] for i, j in zip([0] + cuts, cuts + [len(REPLY)])]
    stream = JsonAnswerStream()
    shown = "".join(stream.feed(p) for p in pieces)
    assert shown == ('Warm pools keep instances alive "between" jobs. [1] '
                     "Spot training saves cost; use checkpoints.\nResume later \u2014 fine. [2][3] No citation here. ")
