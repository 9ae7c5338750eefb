"""The error every layer may raise for the person to read: the bottom of the import graph."""

from __future__ import annotations


class ModelError(Exception):
    """A failure with a message meant for the user (what went wrong, what to do)."""
