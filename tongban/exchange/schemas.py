"""exchange schemas (see README.md)."""
