"""`sms-gateway pii rotate`: personal data re-encrypted with the newest privacy key."""

from __future__ import annotations

import click

from sms_gateway.cli.common import config


@click.group("pii")
def pii_group() -> None:
    """Personal data at rest: key rotation."""


@pii_group.command("rotate")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=500, show_default=True,
              help="Rows re-encrypted per transaction.")
def rotate_command(batch_size: int) -> None:
    """Re-encrypt every encrypted column with the first key of SMS_GATEWAY_PII_KEY.

    Safe to run again or after an interruption: values already under that key are skipped.
    """
    from sms_gateway.dispatch import InlineDispatcher
    from sms_gateway.services import build_services
    from sms_gateway.store.rotation import rotate

    services = build_services(config(), dispatcher=InlineDispatcher(), install=False)
    try:
        counts = rotate(services.sessions, services.vault, batch_size)
    finally:
        services.close()
    click.echo("re-encrypted with the newest key: " + ", ".join(
        f"{table} {n}" for table, n in counts.items()))
