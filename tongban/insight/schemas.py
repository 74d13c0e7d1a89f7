"""insight schemas (see README.md)."""
