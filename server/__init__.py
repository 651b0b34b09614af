"""Draagvlak: live, anonymous team sessions for Dutch schools."""

__version__ = "0.1.0"
