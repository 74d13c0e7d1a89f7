"""api_supervision: operations under /api/v1/supervision (filled by its part)."""

from ninja import Router

router = Router()
