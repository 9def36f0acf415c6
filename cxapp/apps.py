from django.apps import AppConfig


class CxappConfig(AppConfig):
    name = "cxapp"
    verbose_name = "Organisations"
