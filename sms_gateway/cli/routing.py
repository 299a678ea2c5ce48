"""`sms-gateway route`: show where a complaint would go and why, as JSON."""

from __future__ import annotations

import json

import click

import routing


@click.command("route")
@click.option("--category", required=True,
              help="Category code from the taxonomy, e.g. jalan_drainase.")
@click.option("--region", default=None, help="Kemendagri region code, e.g. 35.78 or 35.78.05.1001.")
@click.option("--keyword", default=None, help="SMS keyword, e.g. KKP.")
@click.option("--about-officials", is_flag=True,
              help="The complaint is about officials' own conduct (oversight rule).")
@click.option("--confidential", is_flag=True, help="A confidential (RAHASIA) complaint.")
@click.option("--overrides", "overrides_path", default=None,
              type=click.Path(exists=True, dir_okay=False),
              help="Extra routing override file (TOML) on top of the shipped one.")
def route_command(category: str, region: str | None, keyword: str | None,
                  about_officials: bool, confidential: bool, overrides_path: str | None) -> None:
    """Print the route for a complaint (agency code and name, reasons) as JSON."""
    try:
        directory = routing.load_directory(overrides_path) if overrides_path else None
        result = routing.route(category, region, keyword=keyword, directory=directory,
                               about_officials=about_officials, confidential=confidential)
    except routing.OverrideError as exc:
        raise click.ClickException(str(exc)) from exc
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
