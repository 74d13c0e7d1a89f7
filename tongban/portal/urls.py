from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("items/<str:code>/", views.guide, name="guide"),
    path("items/<str:code>/print/", views.guide_print, name="guide_print"),
    path("departments/<int:dept_id>/", views.department, name="department"),
    path("topics/<slug:slug>/", views.topic, name="topic"),
    path("lists/visits/", views.visits_list, name="visits"),
    path("lists/<slug:kind>/", views.handling_list, name="list"),
    path("indicators/", views.indicators, name="indicators"),
    path("region/", views.region, name="region"),
    path("region/children/<str:code>/", views.region_children, name="region_children"),
    path("display/", views.display, name="display"),
]
