from django.apps import AppConfig
from django.db.models.signals import post_delete


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Surveys and uploads"

    def ready(self) -> None:
        from .models import Upload
        from .retention import upload_file_on_delete

        # A deleted upload (also through its wave or journey) takes its stored file with it (surveys/retention.py).
        post_delete.connect(upload_file_on_delete, sender=Upload, dispatch_uid="surveys.upload_file_on_delete")
