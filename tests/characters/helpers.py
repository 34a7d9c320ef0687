from __future__ import annotations

from accounts.actors import Actor
from characters import services


def make_character(user, project, upload, name="Mika", clip="portrait"):
    return services.character_create_from_upload(
        actor=Actor.of_user(user), project=project, name=name, clip=upload(clip)
    )
