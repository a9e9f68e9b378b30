import pytest

from assistant.ingest.markdown import FrontMatterError, parse_markdown


def test_heading_paths_nest_and_reset():
    doc = parse_markdown("# A\na\n## B\nb\n### C\nc\n## D\nd\n# E\ne\n")
    assert [s.heading for s in doc.sections] == ["A", "A > B", "A > B > C", "A > D", "E"]
    assert doc.section("A > B > C").text == "c"


def test_fenced_code_is_not_a_heading():
    doc = parse_markdown("# A\n```bash\n# not a heading\n```\n## B\nx\n")
    assert [s.heading for s in doc.sections] == ["A", "A > B"]
    assert "# not a heading" in doc.sections[0].text


def test_front_matter_is_metadata_not_text():
    doc = parse_markdown('---\ntitle: T\ndomain: 2\ntask: "2.2"\n---\n# T\nbody\n')
    assert doc.meta == {"title": "T", "domain": 2, "task": "2.2"}
    assert doc.sections[0].text == "body"


def test_section_tree_text_includes_children():
    doc = parse_markdown("# A\n## B\nb1\n### C\nc1\n## D\nd1\n")
    assert doc.section_tree_text("A > B") == "b1\nc1"


@pytest.mark.parametrize("bad", ["---\n[unclosed\n---\n# x\n", "---\n- a list\n---\n# x\n"])
def test_bad_front_matter_is_a_clear_error(bad):
    with pytest.raises(FrontMatterError, match="front matter"):
        parse_markdown(bad)
