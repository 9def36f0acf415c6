from django.contrib import admin

from .models import AnalysisRun, Journey, Moment, MomentResult


class MomentInline(admin.TabularInline):
    model = Moment
    extra = 0
    fields = ["position", "name", "slug", "stage", "is_brand_moment", "aliases"]


@admin.register(Journey)
class JourneyAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "slug", "created_at"]
    list_filter = ["organisation"]
    search_fields = ["name"]
    inlines = [MomentInline]


@admin.register(Moment)
class MomentAdmin(admin.ModelAdmin):
    list_display = ["name", "journey", "stage", "position", "is_brand_moment"]
    list_filter = ["journey", "is_brand_moment"]
    search_fields = ["name", "slug"]


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
