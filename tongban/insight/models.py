"""insight models (see README.md)."""
