"""The console's two languages: English text is the key, Indonesian its translation."""

from __future__ import annotations

from sms_gateway.console.i18n.admin import ADMIN
from sms_gateway.console.i18n.agencies import AGENCIES
from sms_gateway.console.i18n.codes import CODES
from sms_gateway.console.i18n.dashboard import DASHBOARD
from sms_gateway.console.i18n.layout import LAYOUT
from sms_gateway.console.i18n.logs import LOGS
from sms_gateway.console.i18n.review import REVIEW
from sms_gateway.console.i18n.settings import SETTINGS
from sms_gateway.console.i18n.tickets import TICKETS

LANGUAGES = ("id", "en")

# One table per page or subject; no English text is in two of them (a test checks).
TABLES: tuple[dict[str, str], ...] = (
    LAYOUT, REVIEW, TICKETS, DASHBOARD, ADMIN, LOGS, AGENCIES, SETTINGS, CODES)

# Every user-visible string of the console; a test checks that each text the
# templates and views pass to t() has an entry here.
ID: dict[str, str] = {text: indonesian for table in TABLES for text, indonesian in table.items()}


def translate(text: str, language: str) -> str:
    """The text in the language (English text is its own translation)."""
    if language == "id":
        return ID.get(text, text)
    return text
