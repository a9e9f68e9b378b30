"""The numpy copy of the packaged embedder gives the torch model's vectors (it serves cold starts without torch)."""
import numpy as np

from assistant.index.numpy_bert import NumpyBert


def test_numpy_copy_gives_the_torch_models_vectors(embedder):
    long = " ".join(["SageMaker managed warm pools keep instances alive between training jobs."] * 40)  # > 256 tokens
    texts = ["How do managed warm pools help consecutive training jobs start?", "GPU", long,
             "Kinesis Data Streams → Amazon Data Firehose: café, naïve, 日本"]
    light = NumpyBert(embedder.path)
    ours = light.encode(texts)
    theirs = embedder.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    assert np.abs(ours - theirs).max() < 1e-5
    assert not NumpyBert.supports(str(embedder.path) + "-missing")
