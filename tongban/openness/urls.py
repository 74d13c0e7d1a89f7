"""URLs under /openness/."""

from django.urls import path

from . import views_policies, views_public
from .feeds import PolicyFeed

app_name = "openness"
urlpatterns: list = [
    # Public pages (helper "public"): the policy library, a policy, feeds, key-area lists.
    path("", views_public.library, name="library"),
    path("policies/<int:pk>/", views_public.policy, name="policy"),
    path("policies/<int:pk>/print/", views_public.policy_print, name="policy_print"),
    path("policies/<int:pk>/attachments/<int:att>/", views_public.attachment, name="policy_attachment"),
    path("policies/<int:pk>/graphics/<int:interp>/", views_public.graphic, name="policy_graphic"),
    path("feeds/all.atom", PolicyFeed(), name="feed_all"),
    path("feeds/<str:body>.atom", PolicyFeed(), name="feed"),
    path("key-areas/", views_public.key_areas, name="key_areas"),
    path("key-areas/licensing/", views_public.licensing, name="key_licensing"),
    path("key-areas/penalties/", views_public.penalties, name="key_penalties"),
    path("key-areas/inspections/", views_public.inspections, name="key_inspections"),
    path("workbench/penalties/", views_public.penalty_workbench, name="penalty_workbench"),
    path("workbench/penalties/<int:pk>/withdraw/", views_public.penalty_withdraw, name="penalty_withdraw"),
]
urlpatterns += views_policies.urlpatterns  # the policy workbench (/openness/workbench/policies/...)
