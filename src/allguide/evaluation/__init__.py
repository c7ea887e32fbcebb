"""Evaluation: the dataset of clinician questions, the runner and its metrics."""
