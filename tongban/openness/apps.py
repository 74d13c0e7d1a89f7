from django.apps import AppConfig


class OpennessConfig(AppConfig):
    name = "tongban.openness"
    label = "openness"
    verbose_name = "政务公开"
