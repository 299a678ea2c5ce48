"""Reading the gateway's database in assertions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from sms_gateway.services import Services


def count(services: Services, model: Any, *where: Any) -> int:
    """How many rows of `model` match every condition in `where`."""
    with services.sessions() as session:
        return int(session.execute(select(func.count()).select_from(model).where(*where))
                   .scalar_one())
