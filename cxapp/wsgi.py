import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxapp.settings.local")
# the web process: its database connections get a lock and a statement timeout (cxapp/settings/base.py)
os.environ.setdefault("MOMENTUM_PROCESS", "web")
application = get_wsgi_application()
