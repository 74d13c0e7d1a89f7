"""openness permissions (see README.md)."""
