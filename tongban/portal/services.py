"""The portal writes nothing to the database.

Its only state is two cookies on the person's browser (region and large-text mode), set by
`context.set_region_cookie` and `context.set_large_text_cookie` from the POST views. Writes
that belong to a capability (applying, rating, a 12345 message) go through that app's
services when it ships.
"""
