"""The agency side: directory records, API tokens, the agency API and Open311, actions on tickets.

Pure routing decisions live in `routing/`; this package stores and serves them.
"""
