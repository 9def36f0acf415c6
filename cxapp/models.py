"""Organisations, memberships and roles: every query that serves a user is scoped through these."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    ANALYST = "analyst", _("Analyst")
    ADMIN = "admin", pgettext_lazy("a role", "Admin")


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership")]
        ordering = ["organisation__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} ({self.role})"

    @property
    def can_upload(self) -> bool:
        return self.role in (Role.ANALYST, Role.ADMIN)

    @property
    def can_edit(self) -> bool:
        return self.role in (Role.ANALYST, Role.ADMIN)

    @property
    def can_manage_members(self) -> bool:
        return self.role == Role.ADMIN


class UserPreference(models.Model):
    """A user's own settings; ``language`` is blank until the user picks one in the header. The choice is also
    the language cookie, set again at each login (``cxapp.views.LoginView``), so it wins over the browser's
    Accept-Language on every browser the user signs in on."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    language = models.CharField(max_length=10, blank=True, choices=settings.LANGUAGES)

    def __str__(self) -> str:
        return f"{self.user}: {self.language or 'browser language'}"
