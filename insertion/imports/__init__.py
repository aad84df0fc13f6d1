"""Imports of the prison information system's extraction (issue 13)."""
