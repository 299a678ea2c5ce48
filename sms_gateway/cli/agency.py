"""`sms-gateway agency ...`: tokens for the agency API and the agencies table."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from sms_gateway.cli.common import config
from sms_gateway.cli.common import services as build_services

if TYPE_CHECKING:
    from sms_gateway.services import Services


def _services() -> Services:
    return build_services(config())


@click.group("agency")
def agency_group() -> None:
    """Agencies: API tokens and the copy of the routing directory in the database."""


@agency_group.command("token")
@click.argument("agency_code")
@click.option("--label", default="", help="A note to tell this token apart (who holds it).")
def token_command(agency_code: str, label: str) -> None:
    """Print a new API token for AGENCY_CODE (shown once; stored only as a hash)."""
    from sms_gateway.agency.records import directory_for, ensure_agency
    from sms_gateway.agency.tokens import issue_token

    services = _services()
    try:
        with services.sessions.begin() as session:
            if ensure_agency(session, directory_for(services), agency_code) is None:
                raise click.ClickException(f"unknown agency {agency_code!r} (see "
                                           "`sms-gateway route` for agency codes)")
            token = issue_token(session, agency_code, label)
    finally:
        services.close()
    click.echo(token)


@agency_group.command("revoke")
@click.argument("agency_code")
def revoke_command(agency_code: str) -> None:
    """Revoke every API token of AGENCY_CODE."""
    from sms_gateway.agency.tokens import revoke_tokens

    services = _services()
    try:
        with services.sessions.begin() as session:
            count = revoke_tokens(session, agency_code)
    finally:
        services.close()
    click.echo(f"revoked {count} token(s) of {agency_code}")


@agency_group.command("sync")
def sync_command() -> None:
    """Copy every agency of the routing directory (with its channels) into the database."""
    from sms_gateway.agency.records import directory_for, sync_agencies

    services = _services()
    try:
        with services.sessions.begin() as session:
            count = sync_agencies(session, directory_for(services))
    finally:
        services.close()
    click.echo(f"{count} agencies synced")
