"""Agencies in the database: copied from the routing directory, on demand or all at once."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import routing
from sms_gateway.store.agency import AgencyRecord
from sms_gateway.store.db import utcnow

if TYPE_CHECKING:
    from sms_gateway.services import Services

def directory_for(services: Services) -> routing.Directory:
    """Return the routing directory of this deployment (shipped + configured overrides)."""
    return services.directory


def channels_of(agency: routing.Agency) -> list[dict[str, Any]]:
    """Return an agency's channels as JSON; an agency without any pulls through the API."""
    if not agency.channels:
        return [{"kind": "pull"}]
    return [{k: v for k, v in asdict(c).items() if v is not None} for c in agency.channels]


def _fill(record: AgencyRecord, agency: routing.Agency) -> None:
    record.name = agency.name
    record.agency_type = agency.agency_type
    record.region_code = agency.region_code
    record.level = agency.level
    record.parent = agency.parent
    record.channels = channels_of(agency)
    record.synced_at = utcnow()


def ensure_agency(session: Session, directory: routing.Directory,
                  code: str) -> AgencyRecord | None:
    """Return the stored agency with this code, copying it from the directory; None if unknown."""
    agency = directory.get_agency(code)
    record = session.get(AgencyRecord, code)
    if agency is None:
        return record
    if record is None:
        record = AgencyRecord(code=code)
        _fill(record, agency)
        try:
            with session.begin_nested():
                session.add(record)
                session.flush()
        except IntegrityError:  # another worker stored it first
            return session.get(AgencyRecord, code)
    elif record.channels != channels_of(agency) or record.name != agency.name:
        _fill(record, agency)
    return record


def sync_agencies(session: Session, directory: routing.Directory) -> int:
    """Copy every agency of the directory (without desa/kecamatan offices); returns the count."""
    known = {r.code: r for r in session.execute(select(AgencyRecord)).scalars()}
    count = 0
    for agency in directory.agencies():
        record = known.get(agency.code)
        if record is None:
            record = AgencyRecord(code=agency.code)
            session.add(record)
        _fill(record, agency)
        count += 1
    session.flush()
    return count
