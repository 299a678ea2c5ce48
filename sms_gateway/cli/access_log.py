"""Gunicorn's access log at a smaller cost: only the atoms ACCESS_LOG_FORMAT uses are built.

Gunicorn's Logger.atoms builds about 60 for every request (each request and response header
and each WSGI environ entry, then escapes them all) for a line that uses nine: half of the
line's cost, about 10 us per request (docs/performance.md). The line is the same.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

# Gunicorn's access log without query strings (%(U)s is the path only; %(r)s and %(q)s
# would carry Kannel's get-url `secret=` and SMS text, and console searches), without the
# Referer (a console URL with a search) and without the basic-auth user.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'


class AccessLogger(Logger):  # type: ignore[misc]
    """Gunicorn's Logger; `atoms` computes those of ACCESS_LOG_FORMAT, as Logger.atoms does."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        if self.cfg.access_log_format != ACCESS_LOG_FORMAT:  # another format: all of them
            return super().atoms(resp, req, environ, request_time)  # type: ignore[no-any-return]
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        return {
            "h": environ.get("REMOTE_ADDR", "-"),
            "t": self.now(),
            "m": environ.get("REQUEST_METHOD"),
            "U": environ.get("PATH_INFO"),
            "H": environ.get("SERVER_PROTOCOL"),
            "s": status,
            "b": getattr(resp, "sent", None) is not None and str(resp.sent) or "-",
            "L": f"{request_time.seconds}.{request_time.microseconds:06d}",
            "a": environ.get("HTTP_USER_AGENT", "-"),
        }
