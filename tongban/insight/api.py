"""insight api (see README.md)."""
