"""openness schemas (see README.md)."""
