"""The /api/v1/ratings router: each part adds its own router module."""

from ninja import Router

from . import api_ratings

router = Router(tags=["ratings"])
router.add_router("", api_ratings.router)
