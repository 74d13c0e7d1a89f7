"""insight tasks (see README.md)."""
