"""insight admin (see README.md)."""
