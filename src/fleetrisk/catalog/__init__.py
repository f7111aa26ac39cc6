"""fleetrisk.catalog."""
