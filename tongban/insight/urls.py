"""URLs under /insight/."""

app_name = "insight"
urlpatterns: list = []

from .urls_evaluation import urlpatterns as evaluation_urls  # noqa: E402  (helper "evaluation")

urlpatterns += evaluation_urls  # the annual evaluation and /insight/stats/
