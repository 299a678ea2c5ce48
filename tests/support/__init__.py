"""Helpers shared by tests of several folders (unit, providers, integration, e2e)."""
