"""The reviews app's own events, sent once the change is committed (like videos.lifecycle.job_transition), so the
parts that notify (in-app, mail, the project's webhook) do not depend on the parts that act.

- review_changed: sender=Video, video_id, old, new (review states), actor (accounts.actors.Actor), note
- member_mentioned: sender=Comment, comment_id, user_id (a member named with @username in a comment)
  The notifications (reviews/notify_receivers.py) also want these, so they need not read the Comment model:
  video_id (the commented video's id), author_id (the commenter's user id), excerpt (the comment's text, plain).
  Without video_id the receiver reads them from reviews.Comment (fields video_id, author_id, body or text).
"""

from __future__ import annotations

from django.dispatch import Signal

review_changed = Signal()
member_mentioned = Signal()
