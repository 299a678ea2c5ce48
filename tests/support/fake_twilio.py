"""A small local stand-in for Twilio's Messages API that records what the real client sends."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from sms_gateway.config import Config

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"


@dataclass
class FakeTwilio:
    """Records requests; `responses` queues (status, body) answers before the default 201.

    GET on Messages.json lists the messages it accepted (Twilio's Messages list, by `To`).
    """

    requests: list[dict[str, object]] = field(default_factory=list)
    responses: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    accepted: list[dict[str, object]] = field(default_factory=list)
    url: str = ""

    def app(self, environ: dict[str, object], start_response: object) -> object:
        request = Request(environ)
        form = {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}
        auth = request.headers.get("Authorization", "")
        user = base64.b64decode(auth.split(" ", 1)[1]).decode().split(":")[0] if auth else ""
        self.requests.append({"method": request.method, "path": request.path, "form": form,
                              "user": user})
        if request.method == "GET" and request.path.endswith("/Messages.json"):
            to = request.args.get("To")
            found = [m for m in self.accepted if to is None or m["to"] == to]
            return Response(json.dumps({"messages": found, "next_page_uri": None, "page": 0,
                                        "page_size": 50}),
                            mimetype="application/json")(environ, start_response)  # type: ignore[arg-type]
        if self.responses:
            status, body = self.responses.pop(0)
        else:
            status, body = 201, {"sid": "SM" + uuid.uuid4().hex, "status": "queued",
                                 "to": form.get("To"), "body": form.get("Body"),
                                 "account_sid": ACCOUNT_SID}
            self.accepted.append(body)
        response = Response(json.dumps(body), status=status, mimetype="application/json")
        return response(environ, start_response)  # type: ignore[arg-type]

    @property
    def sent(self) -> list[dict[str, str]]:
        return [r["form"] for r in self.requests  # type: ignore[misc]
                if r["method"] == "POST" and str(r["path"]).endswith("/Messages.json")]


@contextmanager
def fake_twilio() -> Iterator[FakeTwilio]:
    """Serve a FakeTwilio on a free loopback port for the duration of the block."""
    fake = FakeTwilio()
    server = make_server("127.0.0.1", 0, fake.app, threaded=True)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def sending_through(config: Config, twilio: FakeTwilio) -> Config:
    """The config with Twilio as the outbound channel, pointed at this stand-in, signed
    webhooks expected at PUBLIC_URL, and send retries at once."""
    from tests.support.twilio_signing import PUBLIC_URL

    return replace(
        config, server=replace(config.server, public_url=PUBLIC_URL),
        sms=replace(config.sms, outbound="twilio", retry_intervals_seconds=(0,)),
        twilio=replace(config.twilio, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN,
                       from_="1708", api_base_url=twilio.url))
