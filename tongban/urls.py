from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from .api import api
from .exchange import views_use as exchange_use

urlpatterns = [
    # Staff sign in through the one login (password + TOTP), never the admin's own form.
    path("admin/login/", RedirectView.as_view(url="/accounts/login/", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/", include("tongban.exchange.urls_ckan")),  # CKAN action API facade: /api/3/action/
    path("i18n/", include("django.conf.urls.i18n")),
    # 我的 → 数据使用记录 lives in the exchange app (accounts may not import it).
    path("accounts/me/data-use/", exchange_use.data_use, name="data_use"),
    path("accounts/", include("tongban.accounts.urls")),
    path("cases/", include("tongban.cases.urls")),
    path("workbench/cases/", include("tongban.cases.workbench_urls")),
    path("notices/", include("tongban.cases.notice_urls")),  # case notices: PDF and public verification
    path("licences/", include("tongban.licences.urls")),  # my licences, 出示, public verification
    path("exchange/", include("tongban.exchange.urls")),  # data sharing: catalogue, gateway, stats
    path("openness/", include("tongban.openness.urls")),  # 政务公开: policies, disclosure on request
    path("insight/", include("tongban.insight.urls")),  # 一屏全览: dashboards, indicators, evaluation
    path("bundles/", include("tongban.bundles.urls")),  # 一事联办: themes, one application, fan-out
    path("hotline/", include("tongban.hotline.urls")),  # 12345: 留言, 我的诉求, tickets, knowledge base
    path("open311/v2/", include("tongban.hotline.urls_open311")),  # Open311 GeoReport v2 facade
    path("ratings/", include("tongban.ratings.urls")),  # 好差评: rating, rectification, public figures
    path("supervision/", include("tongban.supervision.urls")),  # 互联网+监管: draws, tasks, IoT
    path("workbench/catalog/", include("tongban.catalog.urls")),
    path("workbench/identity/", include("tongban.accounts.workbench_urls")),
    path("demo/department/", include("tongban.demo.rp.urls")),  # the demo relying party
    path("", include("tongban.accounts.oidc_urls")),  # OpenID Provider: /.well-known/, /o/
    path("", include("tongban.portal.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
