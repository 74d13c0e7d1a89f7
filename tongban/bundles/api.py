"""The /api/v1/bundles router: each part adds its own router module."""

from ninja import Router

from . import api_applications, api_themes

router = Router(tags=["bundles"])
router.add_router("", api_themes.router)
router.add_router("", api_applications.router)
