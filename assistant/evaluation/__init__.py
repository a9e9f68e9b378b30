"""Eval runners: datasets live in evals/, results are written to evals/results/."""
