"""Fictional data for the demo and the national-scale benchmark (`manage.py seed_demo`).

Every person is fictional: first and last names are drawn at random from lists of common
French names. Establishments carry real kinds and names, with indicative capacities.
"""
