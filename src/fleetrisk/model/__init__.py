"""fleetrisk.model."""
