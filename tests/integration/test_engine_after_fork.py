"""A process forked from one whose engine has pooled connections (`sms-gateway worker --fork`:
RQ's work horse and scheduler, forked while the sweeper thread keeps connections in the pool)
opens connections of its own: a connection shared with the parent would carry both processes'
statements over one socket."""

from __future__ import annotations

import gc
import os

import pytest
from sqlalchemy import text

from sms_gateway.store.db import make_engine

pytestmark = pytest.mark.integration


def _backend_pid(engine: object) -> int:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork")
def test_a_forked_child_does_not_use_the_parents_pooled_connection(pg_url: str) -> None:
    engine = make_engine(pg_url, pool_size=1)
    try:
        parent = _backend_pid(engine)  # back in the pool, open, when the child is forked
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report the server process its connection talks to
            code = 1
            try:
                os.close(read)
                os.write(write, str(_backend_pid(engine)).encode())
                gc.collect()  # the inherited pool's connections finalised: not closed here
                code = 0
            finally:
                os._exit(code)  # as RQ's work horse ends: no interpreter shutdown
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            child = int(pipe.read() or b"0")
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert child not in (0, parent)
        # The parent's pooled connection is untouched by the child, and still in use here.
        assert _backend_pid(engine) == parent
    finally:
        engine.dispose()
