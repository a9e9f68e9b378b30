"""Dense + BM25 (+ decision facts) fused into ranked chunks."""
