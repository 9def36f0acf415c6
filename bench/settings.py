"""Bench-only settings: the test settings plus django-import-export, for the "usual alternative" comparison.

Never used by the app itself; ``bench/alternatives.py`` runs under it.
"""

from cxapp.settings.test import *  # noqa: F403
from cxapp.settings.test import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "import_export"]
