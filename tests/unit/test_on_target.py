"""Answers that answer the question (issue #16): the notes' choice first, no wrong choice presented as verified,
off-target and garbled sentences dropped, a correct paraphrase kept. Real retrieval and the real embedder on
the bundled corpus; the scripted model plays the 1.5B model's observed mistakes (reworded, not the issue's
words), so each test fails when the stage that catches the mistake is taken out."""

import pytest

from assistant.llm.fake import ScriptedLLM
from tests.unit.conftest import reply




def ask(tutor, question, *sentences):
    assistant, llm = tutor
    llm.enqueue(reply(*sentences))
    return assistant.ask(question)


def test_a_choice_the_constraints_rule_out_is_replaced_by_the_notes_choice(tutor):
    answer = ask(tutor, "Uploads are several hundred megabytes each, processing runs for minutes, and we want the "
                        "endpoint to scale in when nothing is queued. Which SageMaker inference option fits?",
                 "Real-time inference fits this workload best.",
                 "A real-time endpoint supports payloads up to 6 MB, which aligns with the requirement.")
    assert answer.kind == "choice" and not answer.refused
    assert "asynchronous" in answer.choice.lower() and answer.choice_confidence == "high"
    assert "real-time" in answer.model_choice.lower()
    assert "Real-time inference fits" not in answer.answer and "which aligns" not in answer.answer
    assert "asynchronous" in answer.answer.split(".")[0].lower()  # the choice comes first
    assert {c.id for c in answer.citations} <= set(answer.retrieved_ids)


def test_no_labelled_pairs_points_to_continued_pre_training_not_fine_tuning(tutor):
    answer = ask(tutor, "All we have is a big pile of unlabeled legal documents, without any prompt and response "
                        "examples. Which Bedrock customization should we pick?",
                 "Use fine-tuning to customize the model.",
                 "Fine-tuning changes the model weights using labeled prompt-completion pairs.")
    assert answer.choice.lower() == "continued pre-training", answer.choices
    assert not answer.refused and answer.answer.lower().startswith(("continued pre-training", "the notes point to "
                                                                                               "continued"))
    assert "Use fine-tuning" not in answer.answer


def test_the_model_agreeing_with_the_notes_is_kept_and_its_choice_leads(tutor):
    paraphrase = "Serverless inference scales to zero between bursts, so you pay only while requests are processed."
    answer = ask(tutor, "Requests arrive only now and then with long quiet periods, and a short cold start is fine. "
                        "Which inference option costs least?",
                 "It tolerates cold starts after idle periods.", paraphrase)
    assert "serverless" in answer.choice.lower() and not answer.model_choice and not answer.refused
    assert answer.answer.startswith(paraphrase)  # kept, and moved first: it states the choice
    assert not answer.dropped_off_target and not answer.dropped_wrong_choice


def test_supported_sentences_about_something_else_are_dropped(tutor):
    """The relevance filter alone, on sentences taken as supported (the verifier already rejects many off-target
    ones on the bundled corpus; a learner's notes may back them): the one about Debugger goes, the one on EMR
    steps stays."""
    from assistant.answering.citations import SentenceCheck
    from assistant.answering.relevance import settle

    assistant, _ = tutor
    question = ("One stage of our SageMaker pipeline has to pass a job to an Amazon EMR cluster and wait until it "
                "completes. What do we use?")
    passages = [h.chunk for h in assistant.search(question, 4)]
    on = "SageMaker Pipelines steps include Processing, Training, Condition, Lambda, Callback and EMR steps."
    off = "SageMaker Debugger captures tensors during training to find vanishing gradients."
    checks = [SentenceCheck(off, [1], [1]), SentenceCheck(on, [1], [1])]
    qvec = assistant.embedder.encode([question])[0]
    kept, done = settle(question, qvec, checks, passages, [], assistant.embedder, assistant.answerer.verifier)
    assert off in done.dropped_off_target and off not in [s.text for s in kept]
    assert on in [s.text for s in kept]


@pytest.mark.xfail(strict=True, reason="#16 left: the swapped KDS sentence reads about as close to KDS's own notes "
                                       "as to Firehose's (max sentence similarity), so it is not caught yet")
def test_a_comparison_that_swaps_the_two_sides_is_corrected_from_each_sides_notes(tutor):
    swapped = "Kinesis Data Streams delivers streaming records to Amazon S3 continuously with no code to write."
    answer = ask(tutor, "How do Amazon Kinesis Data Streams and Amazon Data Firehose differ?", swapped)
    assert answer.kind == "comparison" and swapped not in answer.answer
    assert "Kinesis Data Streams" in answer.answer and "Firehose" in answer.answer and not answer.refused


def test_stray_tokens_in_another_script_are_cut_and_cut_off_sentences_dropped(tutor):
    answer = ask(tutor, "How does SageMaker Neo make a trained model run on edge devices?",
                 "SageMaker Neo compiles a trained model for a specific hardware target without retraining 的.",
                 "Neo writes the compiled model to Amazon S3 and the device runs it with a")
    assert "的" not in answer.answer and "compiles a trained model" in answer.answer
    assert not any(s.endswith(" a") for s in answer.answer.split("["))
    assert answer.dropped_garbled


@pytest.mark.xfail(strict=True, reason="#16 left: retrieval sent the auto-scaling sections, not the inference-options "
                                       "list, so the candidates were not inference options and 'cooldown' won")
def test_notes_no_one_on_the_team_wrote_indexed_alone(make_assistant, tmp_path):
    """A learner's terse cheat sheet (evals/notes/cheatsheet, deployment part), no curated facts: the options come
    from its "- SM Async Inf: ..." lines and their limits ("payload max 6 MB, timeout 60 s")."""
    import shutil
    from pathlib import Path

    notes = tmp_path / "cheatsheet"
    notes.mkdir()
    shutil.copy(Path(__file__).parents[2] / "evals/notes/cheatsheet/03-deploy-orchestrate.md", notes)
    llm = ScriptedLLM()
    assistant = make_assistant()
    assistant.use_llm(llm)
    assistant.ingest([notes], progress=False)
    answer = ask((assistant, llm), "Each input file is a few hundred MB and scoring takes about twenty minutes; "
                                   "callers can be notified when it is done. Which SageMaker inference option fits?",
                 "SM Real-time Inf is a persistent endpoint with low latency.")
    assert answer.kind == "choice" and "async" in answer.choice.lower(), answer.choices
    assert "real-time" in answer.model_choice.lower() and not answer.refused
    assert answer.answer.lower().startswith(("sm async inf", "the notes point to sm async")), answer.answer


def test_a_right_answer_to_a_how_question_is_not_overridden_on_shared_words(tutor):
    """Found in the 30 Nov test run (t-in-072), reworded: AWS Config's notes share more of the situation's words
    than CloudTrail's, which is no reason to replace a way of doing something the model took from the notes."""
    answer = ask(tutor, "Last night someone switched our live endpoint to a different endpoint config and the "
                        "predictions got worse. How do we find out which IAM user or role made the change, and when?",
                 "Look up the UpdateEndpoint event in the CloudTrail event history to get the userIdentity and the "
                 "time of the call.")
    assert not answer.refused and "CloudTrail" in answer.answer and not answer.dropped_wrong_choice


def test_a_word_that_starts_like_an_option_does_not_name_it():
    """Found in the 30 Nov test run (t-in-062), reworded: "automatic rollback" was read as naming "rolling
    deployment" (a shared first four letters), and the guardrails option's "auto-rollback" was not found in it,
    so the right guardrails sentence was dropped as asserting a wrong option."""
    from assistant.answering.choice import Candidate, mentions, name_terms

    def option(name):
        return Candidate(name, name_terms(name))

    sentence = ("Deployment guardrails move traffic in canary or linear steps, watch CloudWatch alarms while the "
                "new version bakes, and do an automatic rollback.")
    assert mentions(sentence, option("Deployment guardrails with CloudWatch alarms for auto-rollback"))
    assert not mentions(sentence, option("rolling deployment"))
    assert mentions("A rolling update replaces instances in batches.", option("rolling deployment"))
    assert not mentions("Train it on a GPU instance.", option("AWS Trainium"))
    assert mentions("Batch transformation scores the whole file offline.", option("batch transform"))
    assert mentions("An S3 source action with change detection gets the Object Created event from EventBridge.",
                    option("S3 source action with EventBridge-based change detection"))  # "-based" is no name


@pytest.mark.parametrize("question, winner, named, replaced", [
    # situation words shared with the winner's notes: the model's way stands
    ("How can we find out which IAM user changed the endpoint configuration?", {"terms": 0.6}, {}, False),
    # a fact picks the winner, but a how question may have several right ways
    ("How can we find out which IAM user changed the endpoint configuration?", {"terms": 0.6, "facts": 0.4}, {},
     False),
    # a fact near the question names the model's option as wrong
    ("How can we find out which IAM user changed the endpoint configuration?", {"terms": 0.6, "facts": 0.4},
     {"facts": -0.4}, True),
    # the learner's own option, when a fact picks another for this need
    ("We need to know which IAM user changed the endpoint configuration. Should we look in CloudTrail?",
     {"terms": 0.6, "facts": 0.4}, {}, True),
    ("We need to know which IAM user changed the endpoint configuration. Should we look in CloudTrail?",
     {"terms": 0.6}, {}, False),
])
def test_a_how_or_proposal_answer_is_replaced_only_on_hard_evidence(question, winner, named, replaced):
    """Control flow of the choice stage with the scores set by hand: the model names AWS CloudTrail, the notes'
    ranking puts AWS Config first with a high margin."""
    from assistant.answering.choice import Candidate, ChoiceResult, name_terms
    from assistant.answering.citations import SentenceCheck
    from assistant.answering.question_kind import read_question
    from assistant.answering.relevance import Settled, _choose

    read = read_question(question)
    assert read.kind in ("how", "proposal")
    config, trail = (Candidate(n, name_terms(n)) for n in ("AWS Config", "AWS CloudTrail"))
    config.parts, config.score = winner, sum(winner.values())
    trail.parts, trail.score = {"terms": 0.1, **named}, 0.1 + sum(named.values())
    model = SentenceCheck("Look up the UpdateEndpoint call in the CloudTrail event history.", [1], [1])
    done = Settled(read.kind)
    kept, lead = _choose(read, [model], ChoiceResult([config, trail], "high"), [], None, None, None, done)
    assert (model not in kept) == replaced and bool(done.dropped_wrong_choice) == replaced


def test_a_proposal_the_notes_rule_out_is_not_confirmed(tutor):
    """"Should we ...?" about an option a decision fact names as wrong for the need: the model's yes is dropped
    and the answer says what the notes point to instead."""
    answer = ask(tutor, "New training data lands in an S3 bucket and our CodePipeline pipeline has to start on its "
                        "own each time. Should we let the pipeline's source action poll the bucket for changes?",
                 "Yes, a source action that polls the S3 bucket starts the pipeline when new data arrives.")
    assert answer.kind == "proposal" and not answer.refused
    assert "poll" in answer.model_choice.lower() and "eventbridge" in answer.choice.lower(), answer.choices
    assert "Yes, a source action that polls" not in answer.answer and "not " + answer.model_choice in answer.answer


def test_a_proposal_the_notes_support_is_kept(tutor):
    yes = "Yes: managed warm pools keep the instances of a finished training job ready for the next job."
    answer = ask(tutor, "We start one SageMaker training job after another and each waits minutes for instances. "
                        "Would turning on managed warm pools help?", yes)
    assert answer.kind == "proposal" and not answer.refused and not answer.dropped_wrong_choice
    assert yes in answer.answer and "The notes point to" not in answer.answer


def test_a_need_stated_with_no_does_not_count_against_the_option_that_meets_it(tutor):
    """"... with no future data leaking in" rules out future data; the offline store's notes say it prevents
    leakage from the future, which agrees with the need, so it is not held against the option (it was: -0.45)."""
    yes = "Yes: a point-in-time query on the offline store gives each example the feature values as of its timestamp."
    answer = ask(tutor, "Each training row needs the feature values as they were when its event happened, with no "
                        "future data leaking in. Is a point-in-time query on the Feature Store offline store a good "
                        "idea?", yes)
    assert answer.kind == "proposal" and not answer.refused and yes in answer.answer
    store = next(c for c in answer.choices if c["name"] == "Feature Store")
    assert store["ruled_out"] == 0, answer.choices


def test_a_sentence_that_only_restates_the_scenario_is_dropped(tutor):
    restated = "The endpoint's auto scaling stops adding instances far below the configured maximum."
    answer = ask(tutor, "The endpoint's auto scaling stops adding instances far below the configured maximum and "
                        "the API reports ResourceLimitExceeded. Should we raise the policy's maximum capacity?",
                 restated, "No: the account's service quota for the instance type blocks new instances, so request "
                           "a service quota increase.")
    assert restated not in answer.answer and restated in answer.dropped_off_target
    assert "quota" in answer.answer and not answer.refused


def test_a_dropped_choice_never_reads_as_notes_that_do_not_cover_the_topic(tutor):
    """The model names a mode the choice stage does not back and nothing else stands: the learner is told the
    notes are on the topic but do not settle it, with the closest notes, never that the notes lack the topic."""
    linear = "Linear mode moves equal steps of traffic, for example 10% at a time, waiting and watching alarms after each."
    answer = ask(tutor, "A new model version should first get a small share of live traffic and then, after a "
                        "waiting period, all the remaining traffic at once. Which traffic shifting mode fits?", linear)
    assert linear not in answer.answer and "do not cover" not in answer.answer
    assert not answer.refused or ("do not settle" in answer.answer and "Linear" in answer.answer
                                  and "deployment-strategies.md" in answer.answer)
