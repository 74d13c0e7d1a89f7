"""The /api/v1/supervision router: each part adds its own router module."""

from ninja import Router

from . import api_supervision

router = Router(tags=["supervision"])
router.add_router("", api_supervision.router)
