"""The session cookie's signing serializer is built once per key set, not per request."""

from __future__ import annotations

from typing import Any

from flask import session


def test_serializer_is_reused_and_follows_a_new_key(app: Any) -> None:
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert first is not None and interface.get_signing_serializer(app) is first

    @app.route("/_test/session/<value>")
    def _set(value: str) -> str:
        old = session.get("v", "")
        session["v"] = value
        return str(old)

    client = app.test_client()
    client.get("/_test/session/a")
    assert client.get("/_test/session/b").text == "a"  # the cookie round trip still works

    old_key = app.secret_key
    app.config["SECRET_KEY"] = "another-key-0123456789abcdef0123"
    second = interface.get_signing_serializer(app)
    assert second is not first
    assert client.get("/_test/session/c").text == ""  # signed with the old key: refused
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert interface.get_signing_serializer(app) is not second
