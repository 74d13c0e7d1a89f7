"""insight permissions (see README.md)."""
