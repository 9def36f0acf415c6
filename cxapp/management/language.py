"""The language of the management commands' progress and summaries (README "Languages").

A command speaks English unless the environment variable ``MOMENTUM_LANGUAGE`` names another language of
``settings.LANGUAGES`` (``MOMENTUM_LANGUAGE=nl python manage.py analyse ...``): then what it prints for people
(progress, summaries, errors) is in that language, with its number format. What it writes for machines (CSV and
JSON exports, a token) is the same in every language; an XLSX file follows the language, as on the pages.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

ENVIRONMENT = "MOMENTUM_LANGUAGE"


def command_language() -> str:
    """The language code the commands speak: ``MOMENTUM_LANGUAGE`` when set, else ``settings.LANGUAGE_CODE``."""
    wanted = os.environ.get(ENVIRONMENT, "").strip()
    if not wanted:
        return settings.LANGUAGE_CODE
    codes = [code for code, _name in settings.LANGUAGES]
    for code in codes:
        if wanted.lower() == code or wanted.lower().split("-")[0] == code.split("-")[0]:
            return code
    raise CommandError(f"{ENVIRONMENT}={wanted!r}: choose one of {', '.join(codes)}.")


class LanguageCommand(BaseCommand):
    """A command whose output for people is in ``command_language()``."""

    def execute(self, *args, **options):
        with translation.override(command_language()):
            return super().execute(*args, **options)
