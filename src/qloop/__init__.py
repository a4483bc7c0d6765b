"""qloop: the after-sales quality loop, from field problem to verified fix."""

__version__ = "0.1.0"
