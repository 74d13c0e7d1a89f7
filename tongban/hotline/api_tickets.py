"""api_tickets: operations under /api/v1/hotline (filled by its part)."""

from ninja import Router

router = Router()
