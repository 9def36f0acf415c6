from django.contrib import admin

from .models import Journey, Moment


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
