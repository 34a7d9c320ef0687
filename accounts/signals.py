from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.actors import Actor
from accounts.models import User
from accounts.services import personal_project_name, project_create
from accounts.throttle import clear_own_failures


@receiver(post_save, sender=User, dispatch_uid="accounts_personal_project")
def give_new_user_a_personal_project(sender, instance: User, created: bool, raw: bool = False, **kwargs) -> None:
    """Every new user, however created (sign-up, admin, createsuperuser), gets a personal project."""
    if created and not raw:
        project_create(
            actor=Actor.system("sign-up"), owner=instance, name=personal_project_name(instance), is_personal=True
        )


# A successful login forgets that user's failed attempts from that address (accounts.throttle).
user_logged_in.connect(clear_own_failures, dispatch_uid="accounts_clear_own_failures")
