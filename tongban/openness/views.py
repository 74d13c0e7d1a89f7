"""openness views (see README.md)."""
