"""URLs under /openness/."""

from . import views_policies

app_name = "openness"
urlpatterns: list = []
urlpatterns += views_policies.urlpatterns  # the policy workbench (/openness/workbench/policies/...)
