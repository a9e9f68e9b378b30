"""Practice questions: built from decision facts or written by the model, checked by a quality gate."""
