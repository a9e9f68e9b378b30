"""End to end in headless Chromium: the real app on 127.0.0.1 with the real local model.

Needs Debian's chromium (`make test` installs it when run as root) and Playwright's Python package; never
downloads a browser. Saves a screenshot of each page: under docs/ (the README's pictures) with
STUDY_SCREENSHOTS=docs, otherwise in the test's temporary folder, so a test run leaves the checkout unchanged.
"""
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request

import pytest

from tests.conftest import REPO, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.llm, pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]



@pytest.fixture(scope="module")
def app(tmp_path_factory, model_path):
    """The app as the README starts it: `make run` (here with PORT set, so a running app on 8501 is no clash).

    `make run` indexes the bundled corpus itself, then calls the `streamlit` console script, which puts ui/
    (not the repository root) on the import path: launching it any other way once hid a broken app.
    """
    data = tmp_path_factory.mktemp("e2e")
    env = {**os.environ, "STUDY_DATA_DIR": str(data), "STUDY_LLM__MODEL_PATH": str(model_path)}
    port = free_port()
    log = open(data / "make-run.log", "wb")
    proc = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900  # the first ingest of the bundled corpus runs inside `make run`
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("`make run` did not serve a healthy app:\n" + (data / "make-run.log").read_text(errors="replace")[-3000:])
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


@pytest.fixture(scope="module")
def page(app, shots):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playwright manages the profile directory itself (a fresh one per launch)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        pg.set_default_timeout(180_000)
        yield pg
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = REPO / "docs" if os.environ.get("STUDY_SCREENSHOTS") == "docs" else tmp_path_factory.mktemp("shots")
    folder.mkdir(exist_ok=True)
    SHOTS.append(folder)
    return folder


SHOTS = []  # the screenshot folder, once the fixture chose it


def shot(page, name):
    page.screenshot(path=str(SHOTS[-1] / f"{name}.png"), full_page=True)


PAGES = {"": "Ask your notes", "practice": "Practice questions", "explain": "Explain an answer", "exam": "Mock exam",
         "progress": "Progress", "library": "Library"}
ERROR_TEXT = ("Traceback", "ModuleNotFoundError", "ImportError", "Error running app", "NameError", "AttributeError")


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_opens_without_an_error(app, page, path):
    page.goto(f"{app}/{path}")
    page.locator("h1", has_text=PAGES[path]).first.wait_for(timeout=120_000)
    page.wait_for_timeout(1000)  # a script error renders after the title
    assert page.locator("[data-testid='stException']").count() == 0, page.inner_text("body")[:2000]
    body = page.inner_text("body")
    assert not [e for e in ERROR_TEXT if e in body], body[:2000]


def test_ask_a_question_and_see_a_cited_answer(app, page):
    page.goto(app)
    page.get_by_placeholder("Ask about the MLA-C01 exam").fill("How can I minimise start-up time for consecutive "
                                                              "SageMaker training jobs?")
    page.keyboard.press("Enter")
    page.locator("[data-testid='stExpander']").first.wait_for()  # a numbered source: the answer is verified
    content = page.content()
    assert re.search(r"\\?\[\d+\\?\]", content) and "warm pool" in content.lower()
    shot(page, "ask")


def test_answer_a_practice_question_and_see_the_grading(app, page):
    page.goto(app + "/practice")
    page.get_by_role("button", name="New quiz").click()
    page.get_by_text("Question 1 of", exact=False).wait_for()
    page.locator("[data-testid='stRadio'] [role='radiogroup'] label").first.click()
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Correct:", exact=False).first.wait_for()
    assert "Incorrect:" in page.content()
    shot(page, "practice")


def test_library_and_explain_pages_render(app, page):
    page.goto(app + "/library")
    page.get_by_text("thin tasks", exact=False).wait_for()
    page.locator("[data-testid='stDataFrame']").wait_for()
    page.wait_for_timeout(1500)  # let the chart draw
    shot(page, "library")
    page.goto(app + "/explain")
    page.get_by_text("Explain an answer").wait_for()
    shot(page, "explain")


def test_mock_exam_and_progress_pages(app, page):
    page.goto(app + "/exam")
    page.get_by_label("Questions").fill("2")
    page.get_by_label("Minutes").fill("5")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Start exam").click()
    page.get_by_text("Question 1 of 2", exact=False).wait_for()
    shot(page, "exam-question")
    page.get_by_role("button", name="Finish now").click()
    page.get_by_text("Missed questions (2)").wait_for()
    page.wait_for_timeout(1500)  # let the chart draw
    shot(page, "exam")
    page.goto(app + "/progress")
    page.get_by_text("Tasks, weakest first").wait_for()
    page.get_by_text("Spaced review").wait_for()
    page.wait_for_timeout(1500)
    assert "Readiness" in page.content()
    shot(page, "progress")
