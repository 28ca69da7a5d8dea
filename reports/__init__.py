"""Every figure that leaves a single case: continuity analytics, the outstanding supports (gap)
report, the caseload report, their small-cell suppression (R22) and their shared aggregates."""
