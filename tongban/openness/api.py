"""openness api (see README.md)."""
