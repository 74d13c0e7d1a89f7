from django.apps import AppConfig


class BundlesConfig(AppConfig):
    name = "tongban.bundles"
    label = "bundles"
    verbose_name = "一件事一次办"

    def ready(self) -> None:
        # bundles-fanout: member cases' events move their bundle (fanout.on_case_changed).
        from tongban.cases.signals import case_changed

        from . import fanout

        case_changed.connect(fanout.on_case_changed, dispatch_uid="bundles.fanout")
