"""An answer's steps are on the question's topic under their section's heading (real embedder): "Check resource
policies" alone is far from "In what order should I troubleshoot an AccessDenied error?", and was refused as off
the question (a learner's HTML notes, issue #14)."""
import numpy as np

from assistant.answering.citations import SentenceCheck
from assistant.answering.relevance import on_topic_in_context
from assistant.types import Chunk

STEPS = Chunk(id="s", source="wiki.html", heading="Study wiki > 4. Security > Troubleshooting AccessDenied in SageMaker",
              text="1. Read the error and the CloudTrail event.\n2. Check the identity policy of the caller.\n"
                   "3. Check resource policies: bucket policy, KMS key policy, VPC endpoint policy.")
OTHER = Chunk(id="o", source="wiki.html", heading="Study wiki > 2. Training > Managed warm pools",
              text="Managed warm pools keep instances alive between training jobs.")


def test_steps_under_their_heading_are_on_the_questions_topic(embedder):
    question = "In what order should I troubleshoot an AccessDenied error in SageMaker?"
    qvec = embedder.encode([question])[0]
    steps = [SentenceCheck("Check the identity policy of the caller (and iam:PassRole if a role is passed).", [1], [1]),
             SentenceCheck("Check resource policies: bucket policy, KMS key policy, VPC endpoint policy.", [1], [1])]
    alone = float(np.max(embedder.encode([s.text for s in steps]) @ qvec))
    assert alone < 0.35  # the refusal cut-off (STUDY_ANSWER__MIN_ANSWER_RELEVANCE)
    assert on_topic_in_context(steps, [STEPS, OTHER], qvec, embedder) >= 0.35
    # the same sentences under another section's heading stay far from the question
    moved = [SentenceCheck(s.text, [2], [2]) for s in steps]
    assert on_topic_in_context(moved, [STEPS, OTHER], qvec, embedder) < 0.35
