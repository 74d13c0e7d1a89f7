"""exchange services (see README.md)."""
