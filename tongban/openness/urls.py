"""URLs under /openness/."""

app_name = "openness"
urlpatterns: list = []
from .urls_disclosure import urlpatterns as disclosure_urls  # noqa: E402  依申请公开、回应关切

urlpatterns += disclosure_urls
