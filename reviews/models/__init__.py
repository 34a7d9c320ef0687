"""The reviews app's models, one module per part (comments and review states, organising, guest links,
notifications and webhooks); each is imported here so Django finds it."""

from reviews.models.notify import Notification, NotifySettings, WebhookDelivery, WebhookEndpoint  # noqa: F401  (part 4)
from reviews.models.organise import Favourite, Tag, VideoTag, VideoTitle  # noqa: F401
from reviews.models.review import Comment, ReviewChange, ReviewPolicy, ReviewState, VideoReview  # noqa: F401
from reviews.models.share import GuestLink  # noqa: F401  (part 3: guest links)
