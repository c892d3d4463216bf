"""Placeholder: filled in by the vision builders work."""
