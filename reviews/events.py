"""The reviews app's own events, sent once the change is committed (like videos.lifecycle.job_transition), so the
parts that notify (in-app, mail, the project's webhook) do not depend on the parts that act.

- review_changed: sender=Video, video_id, old, new (review states), actor (accounts.actors.Actor), note
- member_mentioned: sender=Comment, comment_id, user_id (a member named with @username in a comment), and what
  a notification says: video_id or cut_id (what was commented), author_id, excerpt (the comment's text)

Both are sent with send_robust (reviews.review_services._send): a failing listener is logged, holds nothing up.
"""

from __future__ import annotations

from django.dispatch import Signal

review_changed = Signal()
member_mentioned = Signal()
