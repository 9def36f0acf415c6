from django.contrib import admin

from .models import Response, Survey, Upload


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "journey", "period_start", "period_end", "outcome_names", "data_version"]
    list_filter = ["journey__organisation"]
    search_fields = ["name", "journey__name"]

    @admin.display(description="outcomes")
    def outcome_names(self, survey: Survey) -> str:
        return ", ".join(f"{o.name} ({o.type})" for o in survey.outcome_list)


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["respondent_id", "survey", "submitted_at", "outcomes"]
    list_filter = ["survey__journey"]
    search_fields = ["respondent_id"]
    list_select_related = ["survey"]
    show_full_result_count = False


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["original_name", "journey", "survey_name", "status", "rows_imported", "rows_invalid", "created_at"]
    list_filter = ["status", "organisation"]
    readonly_fields = ["error_report"]
