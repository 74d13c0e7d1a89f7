"""URLs under /insight/."""

app_name = "insight"
urlpatterns: list = []
