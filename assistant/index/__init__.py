"""Where chunks live: Chroma, the BM25 index, the embedder, store upgrades."""
