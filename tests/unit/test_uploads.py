import pytest

from assistant.ingest.loaders import LoadError
from assistant.ingest.uploads import save_upload
from tests.conftest import make_pdf


@pytest.mark.parametrize("name", ["../../x.md", "/etc/passwd.md", "a\x00b.md", "x" * 300 + ".md", "..\\..\\win.md"])
def test_upload_names_never_leave_the_uploads_folder(tmp_path, name):
    path = save_upload(tmp_path, name, b"# Notes\nWarm pools.", 1_000_000)
    assert path.parent == tmp_path / "uploads" and len(path.name) < 80 and "\x00" not in path.name
    assert path.read_bytes() == b"# Notes\nWarm pools."


@pytest.mark.parametrize("data,name,message", [
    (b"", "e.md", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00", "img.md", "binary"),
    (b"x" * 2000, "big.md", "over the"), (b"not a pdf", "n.pdf", "not a PDF"),
])
def test_bad_uploads_are_refused_and_nothing_is_saved(tmp_path, data, name, message):
    with pytest.raises(LoadError, match=message):
        save_upload(tmp_path, name, data, 1000)
    assert not (tmp_path / "uploads").exists() or not list((tmp_path / "uploads").iterdir())


def test_pdf_upload_is_kept_as_pdf(tmp_path):
    assert save_upload(tmp_path, "slides.pdf", make_pdf(["Feature Store"]), 1_000_000).suffix == ".pdf"
