"""The 1708 SMS gateway service: webhooks, providers, models, jobs, console and CLI."""

from sms_gateway.app import create_app

__all__ = ["create_app"]
