from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.api.keys import api_key_issue, api_key_revoke


class Command(BaseCommand):
    help = (
        "Make a new REST API key for a user and print it (it is shown only now; an earlier key "
        "stops working), or retire the user's key with --revoke."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="retire the key, make none")

    def handle(self, *args: object, username: str, revoke: bool, **options: object) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        if revoke:
            retired = api_key_revoke(user=user)
            self.stdout.write(
                f"retired the API key of {username}" if retired else "no key to retire"
            )
            return
        self.stdout.write(api_key_issue(user=user))
