"""The /api/v1/hotline router: each part adds its own router module."""

from ninja import Router

from . import api_tickets

router = Router(tags=["hotline"])
router.add_router("", api_tickets.router)
