"""The facts are parsed with libyaml when PyYAML has it (a cold `study ask` spent 1.6 s in the pure-Python
parser): the data must be the same as the safe loader's."""
from pathlib import Path

import yaml

from assistant.knowledge.facts import read_yaml

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def test_the_fast_parser_reads_the_facts_and_the_blueprint_as_the_safe_loader_does():
    paths = sorted((CORPUS / "facts").glob("*.yaml"))
    paths.append(Path(__file__).resolve().parents[2] / "assistant" / "knowledge" / "exams" / "mla-c01.yaml")
    assert len(paths) > 4
    for path in paths:
        assert read_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8")), path


def test_it_refuses_what_the_safe_loader_refuses(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("decisions: !!python/object:os.system 'echo hi'\n", encoding="utf-8")
    try:
        read_yaml(bad)
    except yaml.YAMLError:
        return
    raise AssertionError("a python tag was loaded")
