from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the first administrator if there is none, and print its generated password once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@localhost")

    def handle(self, *args, username: str, email: str, **options) -> None:
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("An administrator exists already (reset a password with: manage.py changepassword NAME).")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email=email, password=password)
        # Printed once, to this terminal only: it is stored nowhere but as a hash.
        self.stdout.write(self.style.SUCCESS("First administrator created."))
        self.stdout.write(f"    username: {username}\n    password: {password}")
        self.stdout.write("Write the password down now: it is not shown again.")
