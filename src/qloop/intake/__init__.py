"""Intake: the units in the field and the cases, repairs and surveys that come back from them."""
