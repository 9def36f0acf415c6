"""Journeys and their moments: the one owner of both (DESIGN section 3 "Who owns what").

Written only through ``journeys.services`` (one slug rule), read for a user only through ``journeys.selectors``.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cxapp.models import Organisation


class Journey(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="journeys")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, help_text=_("Set once from the name; stable across renames."))
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "slug"], name="unique_journey_slug")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("moments:dashboard", kwargs={"journey_id": self.pk})


class Moment(models.Model):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="moments")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, help_text=_("Set once from the name; stable across renames."))
    stage = models.CharField(max_length=100, blank=True, help_text=_("Journey stage, e.g. Buy, Get connected, Use."))
    position = models.PositiveIntegerField(default=0, help_text=_("Order along the journey."))
    description = models.TextField(blank=True)
    is_brand_moment = models.BooleanField(
        default=False, help_text=_("A moment that carries the brand promise, flagged in exports.")
    )
    aliases = models.JSONField(
        default=list, blank=True, help_text=_("Other names of the moment, used to match survey columns.")
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["journey", "slug"], name="unique_moment_slug")]
        ordering = ["journey", "position", "name"]

    def __str__(self) -> str:
        return self.name
