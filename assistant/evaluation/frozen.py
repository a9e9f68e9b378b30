"""The frozen test splits: a manifest of one sha256 per item id, checked against the files.

`evals/<kind>/test/FROZEN.sha256` lists `<sha256>  <id>` per item (sha256 of the item's canonical JSON:
sorted keys, no spaces). An item whose hash differs, or that is added or removed, is a violation unless the
folder's README.md names its id under `## CHANGES` (id, date, reason). Rewrite the manifest only together
with such a note: `python -m assistant.evaluation.frozen --write evals/answers/test`.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

MANIFEST = "FROZEN.sha256"


def item_hash(item: dict) -> str:
    return hashlib.sha256(json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


def current_hashes(folder: Path) -> dict[str, str]:
    hashes = {}
    for path in sorted(Path(folder).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if item["id"] in hashes:
                    raise ValueError(f"duplicate id {item['id']} in {folder}")
                hashes[item["id"]] = item_hash(item)
    return hashes


def read_manifest(folder: Path) -> dict[str, str]:
    out = {}
    for line in (Path(folder) / MANIFEST).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, item_id = line.split(maxsplit=1)
            out[item_id.strip()] = digest
    return out


def noted_changes(folder: Path) -> set[str]:
    """Ids named in the README's `## CHANGES` section (up to the next `## ` heading)."""
    text = (Path(folder) / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## CHANGES\s*$(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    section = match.group(1) if match else ""
    return set(re.findall(r"\b[a-z]+(?:-[a-z0-9]+)+\b", section))


def violations(folder: Path) -> list[str]:
    """Items changed, added or removed since the manifest without a note in the README's CHANGES."""
    frozen, now, noted = read_manifest(folder), current_hashes(folder), noted_changes(folder)
    problems = []
    for item_id in sorted(frozen.keys() | now.keys()):
        if frozen.get(item_id) == now.get(item_id) or item_id in noted:
            continue
        what = "removed" if item_id not in now else "added" if item_id not in frozen else "changed"
        problems.append(f"{folder}: {item_id} {what} without an entry under ## CHANGES in README.md")
    return problems


def write_manifest(folder: Path) -> Path:
    path = Path(folder) / MANIFEST
    lines = ["# sha256 of each item's canonical JSON; see assistant/evaluation/frozen.py"]
    lines += [f"{digest}  {item_id}" for item_id, digest in current_hashes(folder).items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--write"]:
        for folder in args[1:]:
            print(f"wrote {write_manifest(Path(folder))}")
    else:
        found = [p for folder in args for p in violations(Path(folder))]
        print("\n".join(found) or "frozen splits unchanged")
        raise SystemExit(1 if found else 0)
