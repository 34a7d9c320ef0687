"""The storyboards app's events, sent once the change is committed (like videos.lifecycle.job_transition).

- cut_finished: sender=FinalCut, cut_id, public_id, new ("completed" or "failed"), error (the reason of a failure)
  (reviews/notify_receivers.py tells the cut's maker)
"""

from __future__ import annotations

from django.dispatch import Signal

cut_finished = Signal()
