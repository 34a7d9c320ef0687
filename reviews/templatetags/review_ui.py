"""Template filters of the review part: timecodes as m:ss, and a comment's text escaped with its mentions of
members highlighted."""

from __future__ import annotations

from django import template
from django.utils.html import escape, format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe

from reviews.review_services import MENTION, format_timecode

register = template.Library()


@register.filter
def timecode(seconds) -> str:
    return format_timecode(seconds)


@register.filter
def comment_html(comment) -> SafeString:
    """The comment's text, every character escaped, with each @username of a member it mentions highlighted
    (any other @word stays plain text), line breaks kept."""
    members = {name.lower(): name for name in comment.mentions or []}
    out: list[str] = []
    last = 0
    for match in MENTION.finditer(comment.body):
        word = match.group(1)
        name = members.get(word.lower()) or members.get(word.rstrip(".-+").lower())
        if name is None:
            continue
        end = match.start(1) + len(name)
        out.append(escape(comment.body[last : match.start()]))
        out.append(
            format_html('<span class="mention" data-mention="{}">@{}</span>', name, comment.body[match.start(1) : end])
        )
        last = end
    out.append(escape(comment.body[last:]))
    return mark_safe(linebreaks("".join(out), autoescape=False))
