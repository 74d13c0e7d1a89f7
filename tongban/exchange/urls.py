"""URLs under /exchange/."""

app_name = "exchange"
urlpatterns: list = []
