"""Service-quality KPIs: cases, MTTR, first-time fix, repeat repairs, CSAT, cases per 1000."""
