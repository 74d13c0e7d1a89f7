"""openness models (see README.md)."""
