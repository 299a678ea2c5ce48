"""One gateway deployment on this machine: config file, scratch database, services, web client.

The web side runs in this process (Flask's test client: the real app, no sockets) unless a
test serves it for real; workers are separate processes started from `Gateway.env`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.fake_sms import register
from bench.stack import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    delete_queue_keys,
    scratch_database,
    twilio_signature,
    write_config,
)


def sections(queue_name: str, phone_url: str, outbound: str = "fake",
             **extra: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Config for a gateway that sweeps every second and sends through the local fake.

    `extra`: more values per section (`queue={...}` included), merged over these."""
    out: dict[str, dict[str, Any]] = {
        "server": {"public_url": PUBLIC_URL},
        "queue": {"name": queue_name, "sweep_interval_seconds": 1, "stuck_after_seconds": 3,
                  "job_timeout_seconds": 30},
        "sms": {"outbound": outbound, "retry_intervals_seconds": [1], "max_send_attempts": 5},
        "twilio": {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from": "1708",
                   "api_base_url": phone_url, "timeout_seconds": 5.0},
        "channels.fake": {"provider": "fakesms", "url": phone_url, "timeout_seconds": 5.0},
    }
    for name, values in extra.items():
        out.setdefault(name, {}).update(values)
    return out


@dataclass
class Gateway:
    env: dict[str, str]  # what worker and web processes need in their environment
    services: Any  # sms_gateway.services.Services of this process
    client: Any  # Flask test client of the real app
    queue: str

    def post(self, form: dict[str, str], path: str = "/sms/twilio") -> int:
        """Deliver one signed Twilio webhook; returns the HTTP status."""
        headers = {"X-Twilio-Signature": twilio_signature(PUBLIC_URL + path, form)}
        return int(self.client.post(path, data=form, headers=headers).status_code)


@contextmanager
def local_gateway(tmp: Path, redis_url: str, phone_url: str, *, web_db_port: int | None = None,
                  **extra: dict[str, Any]) -> Iterator[Gateway]:
    """A migrated gateway on a scratch database and its own queue.

    `web_db_port`: this process reaches Postgres through that port (a proxy) instead.
    """
    from sms_gateway.app import create_app
    from sms_gateway.config import load_config
    from sms_gateway.services import build_services, set_current
    from sms_gateway.store import migrate
    from sms_gateway.store.pii import new_key
    from sms_gateway.telco.providers import REGISTRY

    register()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    try:
        with scratch_database() as db:
            path = write_config(tmp / f"{queue}.toml", sections(queue, phone_url, **extra))
            env = {"DATABASE_URL": db, "REDIS_URL": redis_url, "SMS_GATEWAY_PII_KEY": new_key(),
                   "SMS_GATEWAY_SECRET_KEY": new_key(),
                   "SMS_GATEWAY_CONFIG": str(path)}
            migrate.upgrade(load_config(env=env))
            web_env = dict(env)
            if web_db_port is not None:
                from sqlalchemy.engine import make_url

                web_env["DATABASE_URL"] = make_url(db).set(port=web_db_port).render_as_string(
                    hide_password=False)
            services = build_services(load_config(env=web_env))
            client = create_app(services=services, start_background=False).test_client()
            try:
                yield Gateway(env, services, client, queue)
            finally:
                set_current(None)
                services.close()
                delete_queue_keys(redis_url, queue)
    finally:
        REGISTRY.pop("fakesms", None)
