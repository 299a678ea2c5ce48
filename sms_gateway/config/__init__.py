"""One typed, frozen configuration object loaded from TOML plus a fixed list of env overrides.

`sections` holds the dataclasses (one per TOML table), `loading` reads the file and the
environment, `checks` what a type cannot express and what stops start-up.
"""

from sms_gateway.config.checks import (
    BUILT_IN_CHANNELS,
    LANGUAGES,
    check_startup,
    startup_problem,
    startup_warnings,
)
from sms_gateway.config.loading import (
    CHANNEL_ENV_KEYS,
    ENV_OVERRIDES,
    build_section,
    channel_from_table,
    load_config,
)
from sms_gateway.config.sections import (
    SMTP_SECURITY,
    AbuseConfig,
    AgencyConfig,
    CasesConfig,
    ChannelConfig,
    Config,
    ConfigError,
    ConsoleConfig,
    DatabaseConfig,
    ParserConfig,
    PrivacyConfig,
    QueueConfig,
    RetentionConfig,
    ServerConfig,
    SmsConfig,
    TwilioConfig,
)

__all__ = [
    "BUILT_IN_CHANNELS", "CHANNEL_ENV_KEYS", "ENV_OVERRIDES", "LANGUAGES", "SMTP_SECURITY",
    "AbuseConfig", "AgencyConfig", "CasesConfig", "ChannelConfig", "Config", "ConfigError",
    "ConsoleConfig", "DatabaseConfig", "ParserConfig", "PrivacyConfig", "QueueConfig",
    "RetentionConfig", "ServerConfig", "SmsConfig", "TwilioConfig", "build_section",
    "channel_from_table", "check_startup", "load_config", "startup_problem", "startup_warnings",
]
