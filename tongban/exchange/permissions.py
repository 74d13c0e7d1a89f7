"""exchange permissions (see README.md)."""
