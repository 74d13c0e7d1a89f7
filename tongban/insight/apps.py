from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "tongban.insight"
    label = "insight"
    verbose_name = "一屏全览"

    def ready(self) -> None:
        from tongban.cases.signals import case_changed

        from . import rollups

        # Every case transition adds its increments to the rollups in its own transaction;
        # cases knows nothing of insight (import-linter).
        case_changed.connect(rollups.apply, dispatch_uid="insight.rollups.apply")
