from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tongban.cases"
    label = "cases"
    verbose_name = "办件"

    def ready(self) -> None:
        from tongban.core import workdays

        from . import recalendar

        # Calendar writes (import, seed, a day edited) recompute open cases' stored deadlines in
        # their own transaction; core knows nothing of cases (import-linter).
        workdays.on_change(recalendar.recompute_open_cases)
