"""The exchange's HTML pages and exports (thin)."""
