"""The reviews app's models, one module per part (comments and review states, organising, guest links,
notifications and webhooks); each is imported here so Django finds it."""

from reviews.models.review import Comment, ReviewChange, ReviewPolicy, ReviewState, VideoReview  # noqa: F401
