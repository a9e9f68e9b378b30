"""A data folder meets another chromadb version: back the store up before a newer Chroma opens (and may
migrate) it, and refuse a store written by a newer Chroma than the one installed, saying what to do.

index.json records the chromadb version that last wrote the store; an index from before that was recorded
counts as "unrecorded" and is backed up once too.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from packaging.version import InvalidVersion, Version


def installed() -> str:
    """The installed chromadb's version, read from its package metadata (importing chromadb to ask costs a
    second of a cold `study ask`)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chromadb")
    except PackageNotFoundError:
        import chromadb

        return chromadb.__version__


def _info(info_path: Path) -> dict:
    return json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}


def newer_store_problem(info_path: Path, index_dir: Path) -> str | None:
    """Why this Chroma cannot open the store (written by a newer chromadb), or None."""
    built = _info(info_path).get("chromadb")
    try:
        if built and Version(built) > Version(installed()):
            return (f"the index in {index_dir} was written by chromadb {built}, newer than the installed "
                    f"{installed()}: install the version this project pins (`make install`) or run "
                    "`study ingest --rebuild` to re-index with the installed one")
    except InvalidVersion:
        return None
    return None


def backup_before_upgrade(info_path: Path, index_dir: Path) -> Path | None:
    """Copy chroma/ to chroma.backup-<old version> once, before a newer chromadb opens it; returns the copy."""
    store = index_dir / "chroma"
    info = _info(info_path)
    built = info.get("chromadb")
    if not store.is_dir() or not info_path.exists() or built == installed():
        return None
    backup = index_dir / f"chroma.backup-{built or 'unrecorded'}"
    try:
        if not backup.exists():
            tmp = backup.with_name(backup.name + ".partial")
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(store, tmp)
            tmp.rename(backup)
        info.update(chromadb=installed(), chromadb_backup=backup.name)
        tmp_info = info_path.with_suffix(".json.tmp")
        tmp_info.write_text(json.dumps(info, indent=1), encoding="utf-8")
        tmp_info.replace(info_path)
    except OSError:
        return None  # a read-only or full folder: the store is read from a private copy anyway
    return backup
