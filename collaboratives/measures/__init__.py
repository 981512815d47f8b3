"""Measures, their values (typed or CSV) and run charts (adapters to the ``spc`` package)."""
