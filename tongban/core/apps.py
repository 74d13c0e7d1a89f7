from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tongban.core"
    label = "core"
    verbose_name = "核心（区划、部门、工作日历、审计）"

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_delete, post_save

        from . import ratelimit, systemchecks, workdays  # noqa: F401  (systemchecks registers the key checks)
        from .models import CalendarDay, CalendarYear

        checks.register(ratelimit.check_shared_cache, checks.Tags.caches, deploy=True)

        # Calendar edits (services, admin) retire every process's calendar snapshot on commit.
        for model in (CalendarDay, CalendarYear):
            post_save.connect(
                workdays.changed_on_commit, sender=model, dispatch_uid=f"calendar-{model.__name__}"
            )
            post_delete.connect(
                workdays.changed_on_commit, sender=model, dispatch_uid=f"calendar-del-{model.__name__}"
            )
