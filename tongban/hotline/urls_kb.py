"""urls_kb: the knowledge base's workbench pages and the operators' assist fragment under
/hotline/workbench/kb/."""

from django.urls import path

from . import views_kb

urlpatterns: list = [
    path("workbench/kb/", views_kb.article_list, name="kb_articles"),
    path("workbench/kb/new/", views_kb.article_new, name="kb_article_new"),
    path("workbench/kb/search/", views_kb.search, name="kb_search"),
    path("workbench/kb/assist/", views_kb.assist, name="kb_assist"),
    path("workbench/kb/live/<int:pk>/", views_kb.live, name="kb_live"),
    path("workbench/kb/<int:pk>/", views_kb.article_page, name="kb_article"),
    path("workbench/kb/<int:pk>/edit/", views_kb.article_edit, name="kb_article_edit"),
    path("workbench/kb/<int:pk>/links/", views_kb.article_links, name="kb_article_links"),
    path("workbench/kb/<int:pk>/<slug:action>/", views_kb.article_action, name="kb_article_action"),
]
