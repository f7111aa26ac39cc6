"""fleetrisk.reports."""
