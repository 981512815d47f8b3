"""Demo data for ``make run``: ``manage.py seed_demo`` and the reference data it starts from.

The top layer of the house (see ``[tool.importlinter]`` in pyproject.toml): it may use every app's
public services, and no app imports it. ``devdata.reference`` holds the Center's published
tiers and fees, which the benchmark's seed (``bench``) starts from too.
"""
