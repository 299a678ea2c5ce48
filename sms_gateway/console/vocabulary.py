"""The codes an operator meets (queue and parser reasons, SMS purposes and states, history
events, roles), each with the English label the console translates through i18n."""

from __future__ import annotations

ROLES = {"admin": "Administrator", "operator": "Operator", "agency": "Agency staff",
         "viewer": "Viewer"}

QUEUE_REASONS = {
    "low_confidence": "Low confidence", "not_understood": "Not understood", "spam": "Spam",
    "rate_limited": "Too many messages", "processing_failed": "Processing failed",
    "reopened": "Reopened", "courtesy": "Courtesy", "empty": "Empty message",
    "doubt": "Maybe not a complaint",
}

# Parser reasons are "kind:detail"; a whole code has its own label, else its kind has one.
PARSER_REASONS = {
    "rule": "Keyword rule", "rule:none": "No keyword rule matched", "model": "Model",
    "gazetteer": "Place", "privacy": "Privacy", "privacy-phrase": "Privacy phrase",
    "privacy-words": "Privacy wish in own words",
    "privacy-words:conceal": "Privacy wish: keep the reporter hidden",
    "privacy-words:do-not-reveal": "Privacy wish: do not reveal the reporter",
    "privacy-words:fear": "Privacy wish: afraid to be known as the reporter",
    "privacy-words:threat": "Privacy wish: afraid of reprisal",
    "privacy-words:do-not-name": "Privacy wish: do not name me",
    "privacy-words:idiom": "Privacy wish: anonymous phrase",
    "prefix": "Prefix", "keyword": "Keyword", "command": "Command",
    "conduct": "Conduct of officials", "rating": "Rating", "screen": "Screening",
    "screen:courtesy": "Courtesy", "screen:empty": "Empty message", "screen:spam": "Spam",
    "screen:too-short": "Too short", "screen:unknown-words": "Unknown words",
    "screen:personal": "Reads as personal chat", "screen:no-grievance": "No word of grievance",
    "screen:gate": "Learned check: maybe not a complaint",
    "region": "Region", "doubt": "Doubt",
}

MESSAGE_STATES = {
    "received": "received", "processed": "processed", "failed": "failed",
    "pending": "waiting for review", "done": "reviewed", "queued": "queued",
    "sending": "sending", "sent": "sent", "unknown": "unknown", "delivered": "delivered",
    "undelivered": "undelivered", "suppressed": "suppressed (STOP)",
}

PURPOSES = {
    "ticket_created": "ticket number", "case_joined": "joined a case",
    "ticket_created_anonymous": "ticket number, identity withheld",
    "ticket_unverified": "ticket number, to be verified",
    "ticket_unverified_anonymous": "ticket number, to be verified, identity withheld",
    "ticket_unverified_doubt": "ticket number, perhaps sent by mistake",
    "ask_location": "location question", "review_ack": "received, to be reviewed",
    "status": "status", "status_not_found": "ticket not found", "help": "help",
    "stopped": "stopped", "started": "started again", "cancelled": "withdrawn",
    "cancel_refused": "withdrawal refused", "info_added": "information added",
    "throttled": "too many messages", "duplicate": "repeat", "update_diproses": "in progress",
    "update_selesai": "answered", "update_tertunda": "on hold",
    "update_dialihkan": "handed on", "rating_thanks": "rating thanks",
    "attached_by_operator": "attached by an operator", "operator_reply": "operator's message",
    "location": "location", "info": "more information",
}

EVENTS = {
    "created": "Created", "status": "Status changed", "routed": "Routed",
    "citizen_message": "Citizen's message", "disposisi": "Handed on (disposisi)",
    "response": "Agency response", "escalated": "Escalated", "filed": "Filed",
    "reviewed": "Reviewed", "duplicate_merged": "Repeat merged",
    "case_joined": "Joined a case", "case_reporter": "Another citizen reported it",
    "case_merged": "Case merged", "case_split": "Taken out of its case",
    "case_left": "A ticket left the case",
}

ACTORS = {"system": "system", "citizen": "citizen"}

TABLES = {"role": ROLES, "queue_reason": QUEUE_REASONS, "parser_reason": PARSER_REASONS,
          "state": MESSAGE_STATES, "purpose": PURPOSES, "event": EVENTS, "actor": ACTORS}


def english(kind: str, code: str) -> tuple[str, str]:
    """The English label of a code and the detail after it ("keyword:jalan": Keyword, jalan).

    An unknown code is its own label, so nothing an operator meets is ever blank.
    """
    table = TABLES[kind]
    if code in table:
        return table[code], ""
    head, sep, tail = code.partition(":")
    if sep and head in table:
        return table[head], tail
    return code, ""  # e.g. an actor "agency:dinas_pupr:35.78" or an operator's e-mail


def all_labels() -> set[str]:
    """Every English label, for the test that each has its Indonesian translation."""
    return {label for table in TABLES.values() for label in table.values()}
