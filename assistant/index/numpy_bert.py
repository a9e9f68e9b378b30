"""The packaged MiniLM (a 6-layer BERT) run in numpy: the same vectors as sentence-transformers, without torch.

Importing torch and sentence-transformers costs 10-17 s on 2 cores; a one-off `study ask` needs a few short
texts embedded (the question, a few sentences, five passages), which this does in milliseconds after ~0.3 s of
loading the weights. So the embedder uses it until torch is loaded anyway (ingesting many chunks uses torch).
Same tokenizer (tokenizer.json, truncated at the model's max_seq_length), mean pooling, L2 normalisation.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def _layer_norm(x, weight, bias, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x):
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def _one_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - installed with the pinned set
        from contextlib import nullcontext
        return nullcontext()
    return threadpool_limits(1, user_api="blas")


class NumpyBert:
    """`encode(texts)` -> normalised float32 vectors, for a sentence-transformers folder holding a BERT with
    mean pooling (the packaged all-MiniLM-L6-v2). `supports(path)` says whether a folder is one."""

    def __init__(self, path: str):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = Path(path)
        self.config = json.loads((folder / "config.json").read_text())
        max_len = json.loads((folder / "sentence_bert_config.json").read_text()).get("max_seq_length", 256)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_len)
        self.w = load_file(str(folder / "model.safetensors"))
        self.heads = self.config["num_attention_heads"]
        self.layers = self.config["num_hidden_layers"]

    @staticmethod
    def supports(path: str) -> bool:
        folder = Path(path)
        try:
            config = json.loads((folder / "config.json").read_text())
            pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
            modules = json.loads((folder / "modules.json").read_text())
        except (OSError, ValueError):
            return False
        return (config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
                and config.get("position_embedding_type", "absolute") == "absolute"
                and pooling.get("pooling_mode_mean_tokens") and not pooling.get("pooling_mode_cls_token")
                and not pooling.get("pooling_mode_max_tokens") and not pooling.get("pooling_mode_mean_sqrt_len_tokens")
                and [m["type"].rsplit(".", 1)[-1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
                and (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file())

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.config["hidden_size"]), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        out = np.empty((len(texts), self.config["hidden_size"]), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))  # batches of like lengths pad little
        with _one_thread():  # BLAS threads spin-wait on these 2 vCPUs, like torch's (see the embedder)
            for start in range(0, len(order), 8):
                batch = order[start:start + 8]
                out[batch] = self._forward([encodings[i].ids for i in batch])
        return out

    def _forward(self, ids_list: list[list[int]]) -> np.ndarray:
        w, p = self.w, "encoder.layer."
        n, length = len(ids_list), max(len(ids) for ids in ids_list)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, row in enumerate(ids_list):
            ids[i, :len(row)], mask[i, :len(row)] = row, 1.0
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        heads, dim = self.heads, x.shape[-1] // self.heads
        bias = (1.0 - mask)[:, None, None, :] * np.finfo(np.float32).min
        for k in range(self.layers):
            a = f"{p}{k}.attention."

            def proj(name, h, prefix=a):
                return (h @ w[f"{prefix}{name}.weight"].T + w[f"{prefix}{name}.bias"])

            q, kk, v = (proj(f"self.{m}", x).reshape(n, length, heads, dim).transpose(0, 2, 1, 3)
                        for m in ("query", "key", "value"))
            scores = q @ kk.transpose(0, 1, 3, 2) / np.sqrt(dim) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, heads * dim)
            x = _layer_norm(x + proj("output.dense", ctx), w[f"{a}output.LayerNorm.weight"], w[f"{a}output.LayerNorm.bias"])
            o = f"{p}{k}."
            inner = _gelu(proj("intermediate.dense", x, o))
            x = _layer_norm(x + proj("output.dense", inner, o), w[f"{o}output.LayerNorm.weight"], w[f"{o}output.LayerNorm.bias"])
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
