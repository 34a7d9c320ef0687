from __future__ import annotations

import uuid

from django import template

register = template.Library()


@register.simple_tag
def new_token() -> str:
    """A fresh submit token for one form (a double click finds what the first click made; two forms never share)."""
    return str(uuid.uuid4())


@register.filter
def can_child(video, route: str) -> bool:
    """Whether the video's provider can make this kind of child ("edits", "extensions")."""
    return video is not None and video.provider.capabilities.supports(route)


@register.filter
def model_label(key: str) -> str:
    """`slug:name` as the page shows it: the model's name."""
    return key.partition(":")[2] or key
