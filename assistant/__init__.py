"""Study Assistant: a retrieval-augmented study companion for AWS MLA-C01."""
