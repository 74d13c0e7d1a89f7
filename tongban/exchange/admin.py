"""The exchange app in the Django admin: read-only views of the catalogue and the logs."""
