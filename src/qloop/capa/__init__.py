"""Corrective action plans (8D): containment, cross-department actions, supplier claims and
the statistical proof that a fix worked."""
