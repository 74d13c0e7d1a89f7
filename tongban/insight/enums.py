"""insight enums (see README.md)."""
