from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "tongban.ratings"
    label = "ratings"
    verbose_name = "好差评"

    def ready(self) -> None:
        from tongban.cases.signals import case_changed

        from . import invitations, subjects
        from .subject_case import resolve_case

        subjects.register("case", resolve_case)
        # 一事一评: a case's 办结 invites its applicant to rate it (in the 办结's transaction).
        case_changed.connect(invitations.on_case_changed, dispatch_uid="ratings.invitations.on_case")
