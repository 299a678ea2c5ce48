"""Job functions: importable, taking IDs, one session each, idempotent, never swallowing errors."""
