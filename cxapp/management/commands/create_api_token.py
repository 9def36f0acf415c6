"""``manage.py create_api_token USERNAME [--rotate]``: prints the user's API token (created if missing)."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext
from rest_framework.authtoken.models import Token

from cxapp.management.language import LanguageCommand


class Command(LanguageCommand):
    help = "Prints USERNAME's REST API token (send it as 'Authorization: Token <key>'), creating it if missing."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--rotate", action="store_true", help="Replace an existing token with a new one.")

    def handle(self, *args, username: str, rotate: bool, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(gettext("No active user named %(name)s.") % {"name": repr(username)})
        if rotate:
            Token.objects.filter(user=user).delete()
        token, created = Token.objects.get_or_create(user=user)
        self.stderr.write(
            (gettext("Created token for %(name)s.") if created else gettext("Existing token for %(name)s."))
            % {"name": username}
        )
        self.stdout.write(token.key)
