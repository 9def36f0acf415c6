from django.apps import AppConfig


class CxappConfig(AppConfig):
    name = "cxapp"
    verbose_name = "Organisations"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deploy checks
        from .auth_audit import auth_audit_connect

        auth_audit_connect()
