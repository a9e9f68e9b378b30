"""Peak resident memory of the ways a learner runs the assistant, each as its own process: `study ask`
(CLI: imports, embedder, index, model, one answer), `study search` (all but the model: what a UI host
using Bedrock needs) and the Streamlit UI answering one question in a headless browser (when Debian's
chromium and Playwright are installed; otherwise the UI's peak after start-up only, and the result says so).

Peak RSS is VmHWM in /proc/<pid>/status, read while the child runs (sampled every 0.1 s; VmHWM only grows).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from assistant.bench.stats import proc_status_kb
from assistant.config import REPO_ROOT

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _env(settings) -> dict:
    """The benchmark's settings for a child process: its corpus index, model file and model settings."""
    llm = settings.llm
    return {**os.environ, "STUDY_DATA_DIR": str(settings.data_dir), "STUDY_LLM__MODEL_PATH": str(llm.model_path),
            "STUDY_LLM__BACKEND": "local", "STUDY_LLM__PASSAGES": str(llm.passages),
            "STUDY_LLM__MAX_ANSWER_TOKENS": str(llm.max_answer_tokens), "STUDY_LLM__N_CTX": str(llm.n_ctx),
            "STUDY_LLM__N_THREADS": str(llm.n_threads), "STUDY_CORPUS": str(settings.corpus),
            "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}


def cli_peak(settings, args: list[str], timeout: float = 600) -> tuple[dict, object]:
    """Run `study ARGS --json` as its own process: its peak RSS, exit status, seconds and parsed output."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", *args, "--json"],
                                env=_env(settings), stdout=out, stderr=subprocess.DEVNULL)
        status, peak = wait_rss(proc, timeout)
        out.seek(0)
        try:
            printed = json.loads(out.read().decode("utf-8"))
        except ValueError:
            printed = None
    return {"peak_rss_mb": peak, "exit_status": status, "seconds": round(time.perf_counter() - started, 1)}, printed


def cli_ask_peak(settings, question: str) -> dict:
    result, answer = cli_peak(settings, ["ask", question])
    answer = answer if isinstance(answer, dict) else {}
    return {**result, "answered": bool(answer.get("answer")) and not answer.get("refused", True)}


def cli_search_peak(settings, question: str) -> dict:
    """`study search`: everything but the model (what a UI host using Bedrock holds)."""
    result, hits = cli_peak(settings, ["search", question])
    return {**result, "found": bool(hits)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ui_peak(settings, question: str, timeout: float = 600) -> dict:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "ui" / "app.py"),
                             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false"], cwd=REPO_ROOT, env=_env(settings),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result = {"asked_in_browser": False}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("the Streamlit UI did not become healthy within 120 s")
        result["startup_peak_rss_mb"] = round((proc_status_kb(proc.pid) or 0) / 1024, 1)
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            sync_playwright = None
        if sync_playwright is not None and os.path.exists(chromium):
            started = time.perf_counter()
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
                try:
                    page = browser.new_page()
                    page.set_default_timeout(timeout * 1000)
                    page.goto(url)
                    page.get_by_placeholder("Ask about the MLA-C01 exam").fill(question)
                    page.keyboard.press("Enter")
                    page.get_by_text("[1]", exact=False).first.wait_for()  # the verified answer with its citations
                    result["asked_in_browser"] = True
                    result["answer_seconds"] = round(time.perf_counter() - started, 1)
                finally:
                    browser.close()
        else:
            result["note"] = "chromium or playwright missing: peak after start-up only (no question asked)"
    finally:
        proc.terminate()
        _, result["peak_rss_mb"] = wait_rss(proc, 30)
    return result


def wait_rss(proc: subprocess.Popen, timeout: float) -> tuple[int, float]:
    """Wait for the child (killed after `timeout` s) and return (exit status, its peak RSS in MB).

    The peak is VmHWM of the child's own address space, read while it runs: wait4's ru_maxrss is no good
    here, as Linux counts the forking parent's resident set in it (a 6 GB benchmark process made every
    child look 6 GB)."""
    deadline, peak_kb = time.monotonic() + timeout, 0
    while True:
        peak_kb = max(peak_kb, proc_status_kb(proc.pid) or 0)
        pid, status = os.waitpid(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, round(peak_kb / 1024, 1)
        if time.monotonic() > deadline:
            proc.kill()
            deadline = float("inf")
        time.sleep(0.1)


def bench_memory(settings, question: str, ui: bool = True) -> dict:
    """`settings`: the benchmark corpus assistant's (its data folder, corpus and model file)."""
    out = {"cli_ask": cli_ask_peak(settings, question), "cli_search": cli_search_peak(settings, question)}
    if ui:
        out["ui"] = ui_peak(settings, question)
    return out
