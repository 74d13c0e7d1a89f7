"""openness services (see README.md)."""
