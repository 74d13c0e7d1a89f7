"""openness tasks (see README.md)."""
