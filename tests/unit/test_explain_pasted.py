"""Explaining a pasted question in the learner's words (issue #14 item 4): options reworded and re-ordered, the
key decided in code (facts matched by meaning, else a retrieval solver, else "undecided"), a wrong answer never
called correct, the model only wording a decided verdict, and `study explain --json` serialisable."""
import json
from pathlib import Path

import pytest

from assistant.evaluation.explain import load_exercises, pasted_text
from assistant.knowledge.facts import FactBook
from assistant.llm.fake import ScriptedLLM
from assistant.quiz.explain import Explainer
from assistant.quiz.key_finder import KeyDecision
from assistant.quiz.pasted import parse_pasted

EVALS = Path(__file__).resolve().parents[2] / "evals" / "explain"
DEV = load_exercises(EVALS / "dev.jsonl")
TEST = load_exercises(EVALS / "test.jsonl")

WARM_POOLS = ("A team runs consecutive training experiments. How can infrastructure startup time be minimized? "
              "A) Use Managed Spot Training B) Enable step caching in SageMaker Pipelines "
              "C) Keep a pool of pre-initialized instances between jobs D) Use a GPU instance")


@pytest.fixture(scope="module")
def explainer(bundled):
    return bundled.explainer(seed=1, with_model=False)


@pytest.fixture(scope="module")
def notes_only(bundled):
    """No facts at all: the key must come from the retrieval solver (or be undecided)."""
    return Explainer(bundled, FactBook(), llm=None, seed=1)


def test_a_pasted_question_with_inline_options_is_explained_by_meaning(explainer):
    q = parse_pasted(WARM_POOLS)
    assert q.options[2] == "Keep a pool of pre-initialized instances between jobs"
    e = explainer.explain(q.stem, q.options, chosen=0)
    assert e.verdict == "incorrect" and e.key == q.options[2] and not e.key_given
    assert e.fact_id == "d2-warm-pools-consecutive-jobs" and e.decided_by == "facts"
    assert e.why_chosen_wrong.startswith("Spot training cuts cost")  # the chosen option mapped to its alternative
    assert e.citations and e.follow_up is not None


def test_the_right_option_chosen_is_confirmed(explainer):
    q = parse_pasted(WARM_POOLS)
    e = explainer.explain(q.stem, q.options, chosen=2)
    assert e.verdict == "correct" and e.key == q.options[2] and not e.why_chosen_wrong


@pytest.mark.parametrize("item", DEV, ids=[i["id"] for i in DEV])
def test_reworded_reordered_dev_exercises_get_the_right_key(explainer, item):
    q = parse_pasted(pasted_text(item))
    assert q.options == item["options"]
    e = explainer.explain(q.stem, q.options, item["chosen"])
    assert e.verdict == "incorrect", e.detail
    assert e.key == item["options"][item["key"]], e.detail


@pytest.mark.parametrize("item", DEV + TEST, ids=[i["id"] for i in DEV + TEST])
def test_a_wrong_answer_is_never_called_correct(explainer, item):
    e = explainer.explain(item["stem"], item["options"], item["chosen"])
    assert e.verdict != "correct", f"endorsed {e.chosen!r}: {e.detail}"
    if e.verdict == "incorrect":
        assert e.key == item["options"][item["key"]], e.detail
    else:
        assert e.verdict == "undecided" and e.key == "" and e.citations


@pytest.mark.parametrize("item", DEV[:6], ids=[i["id"] for i in DEV[:6]])
def test_without_facts_the_solver_finds_the_key_or_says_it_cannot(notes_only, item):
    e = notes_only.explain(item["stem"], item["options"], item["chosen"])
    assert e.verdict in ("incorrect", "undecided") and e.fact_id is None
    if e.verdict == "incorrect":
        assert e.key == item["options"][item["key"]] and e.decided_by == "solver", e.detail
        assert e.why_key_right and e.citations


def test_the_solver_decides_a_clear_case(notes_only):
    item = next(i for i in DEV if i["exercise"] == "lake-formation-aggregate")
    e = notes_only.explain(item["stem"], item["options"], item["chosen"])
    assert e.verdict == "incorrect" and e.key == "AWS Lake Formation" and e.decided_by == "solver"
    assert "Lake Formation" in e.why_key_right and e.citations


def test_a_given_key_is_explained_from_the_notes_when_no_fact_covers_it(notes_only):
    item = next(i for i in DEV if i["exercise"] == "lake-formation-aggregate")
    e = notes_only.explain(item["stem"], item["options"], item["chosen"], key=item["key"])
    assert e.key_given and e.decided_by == "given" and e.confidence == 1.0 and e.key == "AWS Lake Formation"
    assert e.verdict == "incorrect" and e.why_chosen_wrong.startswith("The answer key is") and e.why_key_right


def test_a_narrow_lead_for_the_learners_own_choice_is_not_an_endorsement(notes_only, monkeypatch):
    item = DEV[0]
    chosen = item["chosen"]
    narrow = KeyDecision(chosen, "solver", 0.6, scores=[0.5] * 4, margin=0.2, detail="scripted")
    monkeypatch.setattr(notes_only.finder, "find", lambda stem, options: narrow)
    e = notes_only.explain(item["stem"], item["options"], chosen)
    assert e.verdict == "undecided" and e.key == ""
    clear = KeyDecision(chosen, "solver", 0.9, scores=[0.5] * 4, margin=0.4, detail="scripted")
    monkeypatch.setattr(notes_only.finder, "find", lambda stem, options: clear)
    assert notes_only.explain(item["stem"], item["options"], chosen).verdict == "correct"


def test_the_model_only_words_the_verdict_and_unsupported_sentences_are_dropped(bundled):
    item = next(i for i in DEV if i["exercise"] == "lake-formation-aggregate")
    llm = ScriptedLLM().enqueue(json.dumps({
        "why_key_right": "AWS Lake Formation builds a central data lake for the sources [1]. "
                         "It was launched in 1875 by a railway company [1].",
        "why_chosen_wrong": "The learner's choice is correct and AWS DataSync is the best answer here [2]."}))
    e = Explainer(bundled, FactBook(), llm=llm, seed=1).explain(item["stem"], item["options"], item["chosen"])
    assert "The correct answer is: AWS Lake Formation" in llm.prompts[0][-1]["content"]  # decided before the model
    assert e.verdict == "incorrect" and e.key == "AWS Lake Formation"  # the model cannot change the key
    assert "1875" not in e.why_key_right and "1875" not in e.why_chosen_wrong  # unsupported: dropped
    assert "choice is correct" not in e.why_chosen_wrong
    json.dumps(e.to_json())


def test_a_failing_model_falls_back_to_note_sentences(bundled):
    item = next(i for i in DEV if i["exercise"] == "lake-formation-aggregate")
    llm = ScriptedLLM().enqueue("not json at all")
    e = Explainer(bundled, FactBook(), llm=llm, seed=1).explain(item["stem"], item["options"], item["chosen"])
    assert e.verdict == "incorrect" and e.method == "solver" and e.why_key_right and e.citations


def test_explanations_serialise_to_json(explainer):
    q = parse_pasted(WARM_POOLS)
    for e in (explainer.explain(q.stem, q.options, 0),
              explainer.explain("Which football club won the 2014 cup?", ["Club A", "Club B", "Club C"], 1)):
        data = json.loads(json.dumps(e.to_json()))
        assert data["verdict"] in ("incorrect", "undecided") and isinstance(data["citations"][0], dict)
        assert data["citations"][0]["source"]
    assert isinstance(data["follow_up"], (dict, type(None)))


# ---- `study explain` --------------------------------------------------------------------------------------
@pytest.fixture
def cli(bundled, monkeypatch, capsys):
    from assistant.cli import main

    monkeypatch.setenv("STUDY_DATA_DIR", str(bundled.settings.data_dir))
    monkeypatch.setenv("STUDY_LLM__BACKEND", "fake")  # never load a real model here

    def run(*argv):
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_cli_explains_a_pasted_question_as_json(cli):
    code, out, err = cli("explain", "--question", WARM_POOLS, "--answer", "A", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["verdict"] == "incorrect" and data["key"] == "Keep a pool of pre-initialized instances between jobs"
    assert data["chosen"] == "Use Managed Spot Training" and data["citations"][0]["source"].endswith("training-jobs.md")
    assert data["follow_up"]["options"]


def test_cli_options_one_per_line_and_apart(cli):
    lines = WARM_POOLS.replace(" A) ", "\nA. ").replace(" B) ", "\nB. ").replace(" C) ", "\nC. ").replace(" D) ", "\nD. ")
    code, out, _ = cli("explain", "--question", lines, "--answer", "b", "--json")
    assert code == 0 and json.loads(out)["chosen"] == "Enable step caching in SageMaker Pipelines"
    stem = WARM_POOLS.split(" A) ")[0]
    code, out, _ = cli("explain", "--question", stem, "--option", "A) Use Managed Spot Training",
                       "--option", "B) Keep a pool of pre-initialized instances between jobs", "--answer", "A")
    assert code == 0 and "Verdict: your answer is incorrect." in out and "pre-initialized" in out


@pytest.mark.parametrize("argv,message", [
    (["--question", "Which service detects drift?", "--answer", "A"], "no options found"),
    (["--question", WARM_POOLS, "--answer", "F"], "not among the 4 options"),
    (["--answer", "A"], "give --id, or --question"),
])
def test_cli_bad_pastes_are_clear_errors(cli, argv, message):
    code, out, err = cli("explain", *argv)
    assert code == 2 and message in err and "Traceback" not in err + out
