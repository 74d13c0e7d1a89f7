"""URLs under /openness/."""

app_name = "openness"
urlpatterns: list = []
