from django.apps import AppConfig
from django.db.models.signals import post_delete, pre_delete


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Surveys and uploads"

    def ready(self) -> None:
        from .models import Survey, Upload
        from .retention import upload_file_on_delete, wave_files_on_delete

        # A deleted upload, wave or journey takes the stored files with it (surveys/retention.py).
        post_delete.connect(upload_file_on_delete, sender=Upload, dispatch_uid="surveys.upload_file_on_delete")
        pre_delete.connect(wave_files_on_delete, sender=Survey, dispatch_uid="surveys.wave_files_on_delete")
