"""insight views (see README.md)."""
