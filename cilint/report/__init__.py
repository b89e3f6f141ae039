"""Renderers: findings (with the files they point into) to text, JSON, Code Quality and SARIF."""
