"""Channel tables as a test writes them."""

from __future__ import annotations

from sms_gateway.config import ChannelConfig, channel_from_table


def channel_config(provider: str, **keys: object) -> ChannelConfig:
    """One `[channels.<name>]` table, parsed as load_config would (`from_` for TOML's `from`)."""
    table = {"provider": provider, **{k.rstrip("_"): v for k, v in keys.items()}}
    return channel_from_table(table)
