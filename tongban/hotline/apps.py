from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "tongban.hotline"
    label = "hotline"
    verbose_name = "12345热线"

    def ready(self) -> None:
        from tongban.ratings import signals, subjects

        from . import rating_subject

        subjects.register("ticket", rating_subject.resolve_ticket)
        signals.rated.connect(rating_subject.on_rated, dispatch_uid="hotline.ticket.rated")
