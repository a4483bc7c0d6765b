"""Taxonomy: the categories and failure modes cases are sorted into, and their words."""
