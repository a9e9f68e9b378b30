"""What the exam and the notes hold: blueprint, decision facts, coverage, corpus checks."""
