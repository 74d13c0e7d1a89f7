"""No background work: every portal page is rendered on request from the catalogue."""
