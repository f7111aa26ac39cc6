"""fleetrisk.engine."""
