"""Shared infrastructure: settings, database, errors."""
