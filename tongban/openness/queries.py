"""openness queries (see README.md)."""
