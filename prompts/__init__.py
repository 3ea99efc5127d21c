"""Prompt templates as data files (used by the LLM path; the foundation needs none)."""
