"""urls_tickets: the citizen's pages and the workbench of 12345 tickets, under /hotline/."""

from django.urls import path

from . import views_portal as p
from . import views_tickets as v

urlpatterns = [
    path("", p.home, name="home"),
    path("code/", p.send_code, name="send_code"),
    path("mine/", p.mine, name="mine"),
    path("follow/", p.follow, name="follow"),
    path("t/<str:number>/", p.ticket_page, name="ticket"),
    path("desk/", v.desk, name="desk"),
    path("desk/intake/", v.desk_intake, name="desk_intake"),
    path("desk/call/", v.desk_call, name="desk_call"),
    path("desk/disputes/", v.desk_disputes, name="desk_disputes"),
    path("desk/extensions/", v.desk_extensions, name="desk_extensions"),
    path("desk/metrics/", v.desk_metrics, name="desk_metrics"),
    path("desk/t/<str:number>/", v.desk_ticket, name="desk_ticket"),
    path("desk/t/<str:number>/<slug:action>/", v.desk_action, name="desk_action"),
]
