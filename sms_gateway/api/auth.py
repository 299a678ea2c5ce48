"""Bearer-token authentication and JSON error answers shared by the agency API and Open311."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from sms_gateway.agency.tokens import agency_for_token
from sms_gateway.services import Services

F = TypeVar("F", bound=Callable[..., Any])


class ApiError(Exception):
    """An error answered as JSON with a status code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def services() -> Services:
    """Return the services of the running app."""
    return current_app.extensions["sms_gateway"]  # type: ignore[no-any-return]


def json_error(status: int, code: str, message: str) -> Response:
    """Return the API's error document."""
    response = jsonify(error=code, message=message)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="sms-gateway-1708"'
    return response


def handle_api_error(exc: ApiError) -> Response:
    return json_error(exc.status, exc.code, exc.message)


def handle_http_error(exc: HTTPException) -> Response:
    code = (exc.name or "error").lower().replace(" ", "_")
    return json_error(exc.code or 500, code, exc.description or exc.name or "error")


def bearer_token(*, allow_api_key: bool = False) -> str:
    """Return the token from `Authorization: Bearer ...` (or Open311's api_key parameter)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if allow_api_key:
        return (request.form.get("api_key") or request.args.get("api_key") or "").strip()
    return ""


def authenticate(token: str) -> str:
    """Return the agency code of a valid token, else raise a 401 ApiError."""
    if not token:
        raise ApiError(401, "unauthorized", "missing bearer token")
    with services().sessions.begin() as session:
        agency = agency_for_token(session, token)
        if agency is None:
            raise ApiError(401, "unauthorized", "invalid or revoked token")
        return agency.code


def agency_required(view: F) -> F:
    """Let only requests with a valid agency token through; g.agency_code names the agency."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.agency_code = authenticate(bearer_token())
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
