from django.contrib import admin

from .models import AnalysisRun, MomentResult


class MomentResultInline(admin.TabularInline):
    model = MomentResult
    extra = 0
    can_delete = False
    fields = ["rank", "moment", "quadrant", "satisfaction", "impact", "reach", "n", "stability"]
    readonly_fields = fields


@admin.register(AnalysisRun)
class AnalysisRunAdmin(admin.ModelAdmin):
    list_display = ["id", "journey", "method", "threshold_mode", "status", "created_at"]
    list_filter = ["status", "method"]
    inlines = [MomentResultInline]
