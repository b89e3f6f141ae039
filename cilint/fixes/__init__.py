"""Fixes: text splices at known spans."""
