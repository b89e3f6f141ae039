"""Data files the checks share (kept out of code so they can be updated without code changes)."""
