"""No REST endpoints: the portal's data is served by the owning apps' APIs (`/api/v1/catalog/...`).

The HTML fragments used by htmx (`/region/children/<code>/`) are views, see `views.py`.
"""
