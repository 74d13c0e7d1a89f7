"""Nothing to administer: the portal has no models (topics and items are catalogue data)."""
