"""insight services (see README.md)."""
