"""The operator console: review queue, tickets and dashboard for people, under /console.

`sms_gateway.console.blueprint.bp` is what the app registers; the other modules are the
console's logic (accounts, sessions, queue, decisions, ...) usable without a request.
"""
