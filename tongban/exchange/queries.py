"""exchange queries (see README.md)."""
