"""The test splits are frozen: an item that changes without a note in its README's CHANGES fails here."""
import json
import shutil
from pathlib import Path

import pytest

from assistant.evaluation.frozen import violations, write_manifest
from assistant.evaluation.retrieval import load_split, split_folders

REPO = Path(__file__).resolve().parents[2]
TEST_SPLITS = [REPO / "evals" / "answers" / "test", REPO / "evals" / "retrieval" / "test"]


@pytest.mark.parametrize("folder", TEST_SPLITS, ids=lambda p: p.parent.name)
def test_the_frozen_test_splits_match_their_manifests(folder):
    assert violations(folder) == []


def _edit_first_item(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    item = json.loads(lines[0])
    item["question"] += " (reworded)"
    path.write_text("\n".join([json.dumps(item)] + lines[1:]) + "\n", encoding="utf-8")
    return item["id"]


def test_an_edited_item_fails_until_the_readme_names_it(tmp_path):
    folder = tmp_path / "test"
    shutil.copytree(TEST_SPLITS[0], folder)
    changed = _edit_first_item(folder / "in-notes.jsonl")
    assert violations(folder) == [f"{folder}: {changed} changed without an entry under ## CHANGES in README.md"]

    readme = folder / "README.md"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("## Freeze rule", f"## Freeze rule\nNot a change note: {changed}\n"), encoding="utf-8")
    assert len(violations(folder)) == 1  # naming the id outside CHANGES does not count

    readme.write_text(text + f"\n- {changed} (2026-11-30): reworded for clarity\n", encoding="utf-8")
    assert violations(folder) == []


def test_added_and_removed_items_are_violations(tmp_path):
    folder = tmp_path / "test"
    shutil.copytree(TEST_SPLITS[1], folder)
    lines = (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    removed = json.loads(lines[0])["id"]
    extra = dict(json.loads(lines[1]), id="t-ret-new")
    (folder / "queries.jsonl").write_text("\n".join(lines[1:] + [json.dumps(extra)]) + "\n", encoding="utf-8")
    found = violations(folder)
    assert any(f"{removed} removed" in v for v in found) and any("t-ret-new added" in v for v in found)
    write_manifest(folder)
    assert violations(folder) == []


def test_splits_load_dev_test_and_both(tmp_path):
    evals = REPO / "evals"
    dev, test = load_split(evals, "answers", "dev"), load_split(evals, "answers", "test")
    assert len(test) == 85 + 36 and all(i["id"].startswith("t-") for i in test)
    assert dev and not {i["id"] for i in dev} & {i["id"] for i in test}
    assert len(load_split(evals, "answers", "all")) == len(dev) + len(test)
    assert len(load_split(evals, "retrieval", "test")) == 91
    assert split_folders(evals, "retrieval", "dev") == [evals / "retrieval" / "dev"]
    with pytest.raises(ValueError):
        split_folders(evals, "answers", "train")
