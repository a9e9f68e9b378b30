"""The learner's record: question bank and attempts (all SQL), reviews, progress, exams, exports."""
