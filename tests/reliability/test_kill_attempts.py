"""kill -9 while attempts are being saved: each attempt is fully there (with the row written in its
transaction) or absent, every acknowledged attempt survives, and SQLite's integrity check passes."""
from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

WRITER = Path(__file__).with_name("attempt_writer.py")
KILLS = 12


def test_kill9_while_saving_attempts(tmp_path):
    rng = random.Random(9)
    db_path = tmp_path / "learner.db"
    acknowledged: list[int] = []
    for _ in range(KILLS):
        proc = subprocess.Popen([sys.executable, str(WRITER), str(db_path)], stdout=subprocess.PIPE, text=True,
                                cwd=Path(__file__).resolve().parents[2])
        assert proc.stdout.readline().strip() == "ready"
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
        reader.start()
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reader.join(5)
        acknowledged += [json.loads(line)[0] for line in lines if line.strip()]
    assert len(acknowledged) > KILLS * 3  # the kills landed in a busy write loop

    db = sqlite3.connect(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    attempts = dict(db.execute("SELECT id, answer FROM attempts").fetchall())
    echoes = {i: len(p) for i, p in db.execute("SELECT attempt_id, payload FROM attempt_echo")}
    assert set(acknowledged) <= set(attempts)  # every committed attempt survived
    assert set(attempts) == set(echoes)  # no attempt without the row of its transaction, nor the reverse
    assert all(size == 64_000 for size in echoes.values())
    assert all(len(json.loads(a)) == 50 for a in attempts.values())
    assert len(attempts) - len(acknowledged) <= KILLS  # at most one committed-but-unacknowledged per kill
    print(f"\n{KILLS} kills, {len(attempts)} attempts stored, {len(acknowledged)} acknowledged, 0 partial")
