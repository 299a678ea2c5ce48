"""The routing library's value types: agencies, their contact channels and routes."""

from __future__ import annotations

from dataclasses import dataclass

CHANNEL_KINDS = ("webhook", "email", "pull")
AGENCY_LEVELS = ("nasional", "provinsi", "kabkota", "wilayah")


@dataclass(frozen=True, slots=True)
class Channel:
    """How an agency receives tickets: a signed webhook, e-mail, or pull through the API.

    `secret_ref` names where the webhook secret lives (an environment variable or secret
    store key); the secret itself is never in routing data.
    """

    kind: str
    url: str | None = None
    secret_ref: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class Agency:
    """One agency: a stable code `<agency_type>:<region code>` and a display name."""

    code: str
    name: str
    agency_type: str
    region_code: str | None
    level: str
    parent: str | None = None
    channels: tuple[Channel, ...] = ()


@dataclass(frozen=True, slots=True)
class Route:
    """Where a complaint goes and why; agency None means the location is still needed.

    withheld_from lists the agencies a complaint about officials concerns: under the oversight
    rule it must not be forwarded or copied to them.
    """

    agency: Agency | None
    reasons: tuple[str, ...] = ()
    needs_location: bool = False
    rule: str = "taxonomy"
    withheld_from: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """Return the route as the JSON object the CLI prints."""
        return {
            "agency": None if self.agency is None else {
                "code": self.agency.code, "name": self.agency.name,
                "agency_type": self.agency.agency_type,
                "region_code": self.agency.region_code, "level": self.agency.level,
            },
            "reasons": list(self.reasons),
            "needs_location": self.needs_location,
            "rule": self.rule,
            "withheld_from": list(self.withheld_from),
        }
