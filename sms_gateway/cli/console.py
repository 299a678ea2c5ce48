"""Console commands: `user create|list|deactivate`."""

from __future__ import annotations

import sys

import click
from sqlalchemy import select

from sms_gateway.cli.common import cli_actor
from sms_gateway.store.console import ROLES, add_audit


def _services():  # type: ignore[no-untyped-def]
    from sms_gateway.cli.common import config as _config
    from sms_gateway.cli.common import services as build_services
    from sms_gateway.dispatch import InlineDispatcher
    from sms_gateway.store import migrate

    config = _config()
    if config.embedded:
        migrate.upgrade(config)  # nothing installed, nothing to run first
    return build_services(config, dispatcher=InlineDispatcher(), install=False)


@click.group("user")
def user_group() -> None:
    """Manage console users (operators, agency staff, viewers, admins)."""


@user_group.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the user may do.")
@click.option("--agency", "agency_code", default=None,
              help="Agency code for role agency, e.g. dinas_pupr:35.78.")
@click.option("--can-reveal-phone", is_flag=True,
              help="Allow revealing citizens' phone numbers (each reveal is audited).")
@click.option("--language", type=click.Choice(["id", "en"]), default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.argument("email")
def create_user_command(role: str, agency_code: str | None, can_reveal_phone: bool,
                        language: str | None, password_stdin: bool, email: str) -> None:
    """Create a console user; the password is prompted for unless --password-stdin."""
    from sms_gateway.agency.records import directory_for
    from sms_gateway.console import accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    services = _services()
    try:
        with services.sessions.begin() as session:
            user = accounts.create_user(session, email, password, role,
                                        agency_code=agency_code,
                                        can_reveal_phone=can_reveal_phone, language=language,
                                        directory=directory_for(services))
            add_audit(session, cli_actor(), "user.create", target_type="user",
                      target_id=user.email, role=user.role)
            click.echo(f"user {user.email} created (role {user.role})")
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        services.close()


@user_group.command("list")
def list_users_command() -> None:
    """List console users."""
    from sms_gateway.store.console import ConsoleUser

    services = _services()
    with services.sessions() as session:
        for user in session.execute(select(ConsoleUser).order_by(ConsoleUser.email)).scalars():
            flags = ",".join(f for f, on in (("reveal", user.can_reveal_phone),
                                             ("inactive", not user.active)) if on)
            click.echo(f"{user.email}\t{user.role}\t{user.agency_code or '-'}\t{flags or '-'}")
    services.close()


@user_group.command("deactivate")
@click.argument("email")
def deactivate_user_command(email: str) -> None:
    """Deactivate a user and end their sessions."""
    from sms_gateway.console import accounts, sessions

    services = _services()
    with services.sessions.begin() as session:
        user = accounts.find_user(session, email)
        if user is None:
            raise click.ClickException(f"no active user {email}")
        user.active = False
        sessions.end_all(session, user.id)
        add_audit(session, cli_actor(), "user.deactivate", target_type="user", target_id=email)
    services.close()
    click.echo(f"user {email} deactivated")


__all__ = ["user_group"]
