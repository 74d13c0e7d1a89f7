"""exchange tasks (see README.md)."""
