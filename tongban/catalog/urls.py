from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/<slug:action>/", views.item_action, name="item_action"),
    path("flags/<int:pk>/clear/", views.flag_clear, name="flag_clear"),
    path("four-sames/", views.four_sames, name="four_sames"),
    path("import/", views.import_items, name="import"),
    path("export.xlsx", views.export_items, name="export"),
]
