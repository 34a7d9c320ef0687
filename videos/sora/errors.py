"""The one error the /v1/videos client raises (contract section 1, error envelope).

``retryable`` tells the pipeline whether trying again later can help (rate limits, server errors, timeouts,
lost connections); ``maybe_created`` says a create/remix request may have reached the server although no answer
came back, so the caller must reconcile (list or retrieve) instead of posting again.
"""

from __future__ import annotations


class SoraError(Exception):
    """A failed call to a ``/v1/videos`` server.

    The message is the server's own (from ``{"error": {...}}``) or a short description of the transport failure.
    It never contains the API key: the client never formats it and redacts it from anything a server echoes.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        retryable: bool = False,
        request_id: str | None = None,
        maybe_created: bool = False,
        *,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.retryable = retryable
        self.request_id = request_id
        self.maybe_created = maybe_created
        # The server's hint (seconds) when it asked to wait longer than the client is willing to sleep.
        self.retry_after = retry_after

    @property
    def permanent(self) -> bool:
        """True when the same request will fail again (bad input, auth, not found)."""
        return not self.retryable

    @property
    def is_not_found(self) -> bool:
        return self.status == 404

    def __str__(self) -> str:
        prefix = f"HTTP {self.status}: " if self.status is not None else ""
        suffix = f" (request id {self.request_id})" if self.request_id else ""
        return f"{prefix}{self.message}{suffix}"

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in ("status", "type", "code", "param", "retryable", "maybe_created", "request_id")
        )
        return f"SoraError({self.message!r}, {fields})"
