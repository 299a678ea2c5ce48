"""Citizen commands: `citizen erase <phone>` (the right to erasure, UU 27/2022)."""

from __future__ import annotations

import click


@click.group("citizen")
def citizen_group() -> None:
    """Act on one citizen's personal data."""


@citizen_group.command("erase")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.argument("phone")
def erase_command(phone: str, yes: bool) -> None:
    """Erase a number and every text its citizen wrote or received; statistics stay."""
    from sms_gateway.cli.console import _services
    from sms_gateway.complaints.erasure import erase_citizen
    from sms_gateway.telco.phone import InvalidPhoneNumber, normalise

    try:
        e164 = normalise(phone)
    except InvalidPhoneNumber as exc:
        raise click.ClickException(str(exc)) from None
    if not yes:
        click.confirm(f"Hapus semua data nomor {e164}? / Erase all data of {e164}?",
                      abort=True)
    services = _services()
    try:
        erasure = erase_citizen(services, e164)
    finally:
        services.close()
    if erasure is None:
        click.echo(f"Tidak ada data untuk nomor {e164} (tidak dikenal atau sudah dihapus). / "
                   f"No data held for {e164} (unknown or already erased).")
        return
    click.echo(f"Dihapus / erased: {erasure.messages} SMS masuk / inbound, {erasure.parts} "
               f"bagian / parts, {erasure.replies} SMS keluar / outbound, {erasure.tickets} "
               f"tiket / tickets, {erasure.logs} log kanal / channel logs. Statistik anonim "
               f"tetap / anonymous statistics kept.")
