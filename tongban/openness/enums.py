"""openness enums (see README.md)."""
