"""openness admin (see README.md)."""
