"""Grounded answers: prompts, generation, citations, key points, rendering."""
