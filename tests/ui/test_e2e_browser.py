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


def test_ask_shows_a_status_and_keeps_every_answer(app, page):
    from playwright.sync_api import expect

    page.goto(app)
    page.get_by_text("What each page does").wait_for()  # the landing view explains the pages
    example = page.get_by_role("button", name=re.compile("consecutive SageMaker training jobs"))
    example.first.wait_for()  # the example buttons render after the landing text
    assert example.count() == 1
    box = page.get_by_placeholder("Ask about the MLA-C01 exam")
    box.fill("How can I minimise start-up time for consecutive SageMaker training jobs?")
    page.keyboard.press("Enter")
    # a status from the moment of asking (the first question also loads the model)
    page.get_by_text(re.compile("Loading the language model|Searching your notes|Writing the answer")).first.wait_for(
        timeout=30_000)
    assert box.is_disabled()  # one question at a time
    page.locator("[data-testid='stExpander']").filter(has_text="[1]").first.wait_for(timeout=600_000)  # verified
    # the note sentences show at once (with their own [1] source) while the model writes: wait for the answer
    expect(box).to_be_enabled(timeout=600_000)
    answer = page.locator("[data-testid='stChatMessage']").nth(1).locator("[data-testid='stMarkdown']").first
    first = answer.inner_text()
    assert "warm pool" in first.lower() and "[1]" in first
    assert_cited_1_to_n(first)
    shot(page, "ask")
    box.fill("When should I use asynchronous inference instead of a real-time endpoint?")
    page.keyboard.press("Enter")
    page.get_by_text(re.compile("Searching your notes|Writing the answer")).first.wait_for(timeout=30_000)
    assert answer.inner_text() == first  # the first answer stays while the second is written
    expect(box).to_be_enabled(timeout=600_000)  # the second is answered
    messages = page.locator("[data-testid='stChatMessage']")
    assert messages.count() == 4 and answer.inner_text() == first
    assert "asynchronous inference instead" in messages.nth(2).inner_text()
    assert_cited_1_to_n(messages.nth(3).inner_text())


def assert_cited_1_to_n(text: str) -> None:
    numbers = sorted({int(n) for n in re.findall(r"\[(\d+)\]", text)})
    assert numbers == list(range(1, len(numbers) + 1)), text


def choose(page, label, option):
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def new_quiz(page, task):
    """Press New quiz until the page shows a question of `task` or says none passed the gate.

    A click that lands while the page reruns from the last choice is lost (a clean-clone CI check, 30 Nov: the
    old quiz stayed for 180 s), so the click is repeated when nothing runs and no quiz of this task shows.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    built = page.get_by_text(re.compile(rf"Question 1 of 1 · domain \d · task {re.escape(task)}\b|No question passed"))
    status = page.locator("[data-testid='stStatusWidget']")
    for _ in range(4):
        page.get_by_role("button", name="New quiz").click()
        page.wait_for_timeout(1500)
        status.wait_for(state="hidden", timeout=900_000)  # a model-written question may take minutes
        try:
            built.first.wait_for(timeout=10_000)
            return
        except PlaywrightTimeout:  # the click was lost: press again
            continue
    built.first.wait_for()


def test_practice_answers_must_be_chosen(app, page):
    from playwright.sync_api import expect

    page.goto(app + "/practice")
    choose(page, "Scope", "Task")
    page.get_by_label("Questions", exact=True).fill("1")
    page.keyboard.press("Tab")
    choose(page, "Format", "matching")
    groups = page.locator("[data-testid='stButtonGroup']")
    for task in ("3.1", "2.1", "4.2", "1.2"):  # a task whose matching passes the quality gate (else: multiple choice)
        choose(page, "Task", task)
        new_quiz(page, task)
        if groups.count():
            break
    assert groups.count(), "no matching question passed the gate for any task tried"
    submit = page.get_by_role("button", name="Submit", exact=True)
    expect(submit).to_be_disabled()  # no matching answer is preselected
    for i in range(groups.count()):
        expect(submit).to_be_disabled()
        group = groups.nth(i)
        for _ in range(3):  # a click that lands while the page reruns from the last one is lost (CI, stop 21)
            group.locator("button").first.click()
            try:
                expect(group.locator("button[aria-checked='true']")).to_have_count(1, timeout=10_000)
                break
            except AssertionError:
                continue
        expect(group.locator("button[aria-checked='true']")).to_have_count(1)
    expect(submit).to_be_enabled(timeout=15_000)
    submit.click()
    page.get_by_text(re.compile(r"Correct!|Not quite\. The answer is")).first.wait_for()  # graded
    expect(page.get_by_role("button", name="Submit", exact=True)).to_have_count(0)  # gone once graded
    shot(page, "practice")
    choose(page, "Format", "multi")
    for task in ("2.2", "3.1", "1.2", "4.2"):  # a task whose multiple-response question passes the gate
        choose(page, "Task", task)
        new_quiz(page, task)
        if page.get_by_text("Choose 2", exact=False).count():
            break
    page.get_by_text("Choose 2", exact=False).wait_for()
    boxes = page.locator("[data-testid='stCheckbox']")
    # every option visible at once; the label can show before the checkboxes render (a clean-clone CI counted 0)
    expect(boxes.nth(3)).to_be_visible(timeout=15_000)
    boxes.nth(0).click()
    boxes.nth(1).click()
    page.get_by_text("Choose 2 (2 chosen)").wait_for()
    expect(boxes.nth(2).locator("input")).to_be_disabled()  # a third cannot be chosen
    expect(page.get_by_role("button", name="Submit", exact=True)).to_be_enabled()


def test_library_and_explain_pages_render(app, page):
    from playwright.sync_api import expect

    page.goto(app + "/library")
    page.get_by_text("thin tasks", exact=False).wait_for()
    page.locator("[data-testid='stDataFrame']").first.wait_for()
    page.wait_for_timeout(1500)  # let the chart draw
    assert_no_none_cells(page)
    shot(page, "library")
    page.goto(app + "/explain")
    page.get_by_label("Question with its options").fill(
        "A company runs consecutive SageMaker training jobs and must minimize infrastructure start-up time. What "
        "should it use? A) Managed Spot Training with checkpointing B) SageMaker AI managed warm pools "
        "C) A larger training instance type D) SageMaker Pipelines step caching")
    page.keyboard.press("Control+Enter")
    page.get_by_text("A. Managed Spot Training with checkpointing", exact=True).wait_for()
    assert "A. A." not in page.inner_text("body")
    expect(page.get_by_role("button", name="Explain", exact=True)).to_be_disabled()  # no default answer
    page.get_by_text("A. Managed Spot Training with checkpointing", exact=True).click()
    page.get_by_role("button", name="Explain", exact=True).click()
    page.get_by_text(re.compile("Your answer is (correct|incorrect)|not graded")).first.wait_for(timeout=600_000)
    shot(page, "explain")


def assert_no_none_cells(page):
    cells = page.locator("[data-testid='stDataFrame'] [role='gridcell']").all_inner_texts()
    assert cells, "the table's cells are not readable"
    assert "None" not in cells and "nan" not in cells


def test_default_mock_exam_with_flag_back_review_and_confirmation(app, page):
    from playwright.sync_api import expect

    page.goto(app + "/exam")
    expect(page.get_by_label("Questions")).to_have_value("65")
    started = time.monotonic()
    page.get_by_role("button", name="Start exam").click()
    page.get_by_text("Question 1 of 65").wait_for(timeout=1_200_000)
    print(f"65-question exam assembled in {time.monotonic() - started:.0f}s")
    body = page.inner_text("body")
    assert not re.search(r"\btask \d\.\d|\bdomain \d", body)  # no hint while answering
    page.get_by_text("Flag for review").click()
    page.get_by_role("button", name=re.compile("^(Next|Skip)$")).click()
    page.get_by_text("Question 2 of 65").wait_for()
    page.get_by_role("button", name="Previous").click()
    page.get_by_text("Question 1 of 65").wait_for()
    expect(page.locator("[data-testid='stCheckbox']").filter(has_text="Flag for review").locator("input")).to_be_checked()
    shot(page, "exam-question")
    page.get_by_role("button", name="Review all").click()
    page.get_by_role("button", name=re.compile("^1 ⚑")).wait_for()
    page.get_by_role("button", name="Finish exam").click()
    page.get_by_text("Finish and score the exam now?", exact=False).wait_for()
    assert page.get_by_text("Missed questions", exact=False).count() == 0  # not finished before confirming
    page.get_by_role("button", name="Yes, finish and score").click()
    page.get_by_text("Missed questions (65)").wait_for()
    page.wait_for_timeout(1500)  # let the chart draw
    shot(page, "exam")


def test_progress_page(app, page):
    page.goto(app + "/progress")
    page.get_by_text("Tasks, weakest first").wait_for()
    page.get_by_text("Spaced review").wait_for()
    page.locator("[data-testid='stDataFrame']").first.wait_for()
    page.wait_for_timeout(1500)
    body = page.inner_text("body")
    assert "Readiness" in body and "1 attempts" not in body
    assert_no_none_cells(page)
    shot(page, "progress")
