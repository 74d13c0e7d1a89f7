"""api_themes: operations under /api/v1/bundles (filled by its part)."""

from ninja import Router

router = Router()
