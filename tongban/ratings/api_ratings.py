"""api_ratings: operations under /api/v1/ratings (filled by its part)."""

from ninja import Router

router = Router()
