"""Alerts: KPI trends, target breaches and emerging failure modes, stored and acknowledged."""
