"""insight queries (see README.md)."""
