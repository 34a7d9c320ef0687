"""Errors of the simulator, and how each profile's server writes them (``profiles.Errors``).

A view raises ``ApiError`` with the contract's fields (status, message, type, param, code); ``render`` turns it into
the body of the profile's server. ``detail`` carries a body that only one server has (FastAPI's 422 list, a relay's
wrapped upstream error), used as is.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from django.http import HttpResponse

from .profiles import Errors

INVALID = "invalid_request_error"


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = INVALID,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        style: Errors | None = None,
        detail: object = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code
        self.headers = headers or {}
        self.style = style  # forces a shape (e.g. a relay's content route); else the caller's default
        self.detail = detail

    def body(self, style: Errors) -> dict:
        style = self.style or style
        if style == Errors.VLLM:
            # vLLM's ErrorResponse(error=ErrorInfo(message, type=HTTPStatus(code).phrase, code=code)).
            return {"error": {"message": self.message, "type": _phrase(self.status), "param": None, "code": self.status}}
        if style == Errors.FASTAPI:
            return {"detail": self.message if self.detail is None else self.detail}
        if style == Errors.RELAY_TASK:
            return {"code": self.code or "invalid_request", "message": self.message, "data": None}
        if style == Errors.RELAY_PROXY:
            return {"error": {"message": self.message, "type": self.type}}
        if style == Errors.RELAY_ROUTE:
            return {"error": {"message": self.message, "type": INVALID, "param": "", "code": ""}}
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def response(self, style: Errors = Errors.CONTRACT) -> HttpResponse:
        response = HttpResponse(dumps(self.body(style)), status=self.status, content_type="application/json")
        for name, value in self.headers.items():
            response[name] = value
        return response


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def dumps(data) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def supported(values) -> str:
    quoted = [f"'{value}'" for value in values]
    return ", ".join(quoted[:-1]) + f", and {quoted[-1]}" if len(quoted) > 2 else " and ".join(quoted)


def invalid_value(param: str, value, values) -> ApiError:
    return ApiError(
        400, f"Invalid value: '{value}'. Supported values are: {supported(values)}.", param=param, code="invalid_value"
    )


def invalid_type(param: str, expected: str, got: str) -> ApiError:
    return ApiError(400, f"Invalid type for '{param}': expected {expected}, but got {got} instead.", param=param,
                    code="invalid_type")  # fmt: skip


def json_type(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    return "a string"


def fastapi_validation(status: int, *errors: tuple[str, tuple, str, object]) -> ApiError:
    """FastAPI's RequestValidationError: 422 ``{"detail": [{type, loc, msg, input}]}`` (vLLM turns it into a 400
    ErrorResponse whose message is the errors' text)."""
    detail = [{"type": kind, "loc": list(loc), "msg": msg, "input": value} for kind, loc, msg, value in errors]
    text = f"{len(detail)} validation error{'s' if len(detail) > 1 else ''}:\n" + "".join(
        f"  {item}\n" for item in detail
    )
    return ApiError(status, text, detail=detail)
