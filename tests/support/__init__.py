"""Helpers shared by test modules (importable as `support.*`: conftest puts tests/ on sys.path).

Test modules import helpers from here, never from each other: a test module is collected by
pytest, and importing one from another runs its module-level code twice and ties the two together.
"""
