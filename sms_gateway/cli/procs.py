"""Process hygiene for web and worker processes: what a worker forks must not outlive it, the
web comes first on shared cores, and start-up objects stay out of the garbage collector."""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import signal
import sys

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def forked_children_die_with_this_process() -> bool:
    """From now on, every child forked by this process gets SIGTERM when it dies (Linux).

    RQ runs its scheduler in a forked process. When the worker is killed with SIGKILL (by a
    supervisor, the OOM killer, an operator), that child lives on as an orphan: it keeps the
    queue's scheduler lock and its memory, and every such kill leaves one more. With the
    parent-death signal it gets SIGTERM instead, which RQ's scheduler handles by releasing
    its lock and exiting. Returns False where the kernel offers no such signal.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        log.warning("prctl unavailable: forked children may outlive a killed worker")
        return False
    parent = os.getpid()

    def in_child() -> None:
        if prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            return
        if os.getppid() != parent:  # the parent died before the signal was armed
            os.kill(os.getpid(), signal.SIGTERM)

    os.register_at_fork(after_in_child=in_child)
    return True


def yield_cpu_to_web(nice: int) -> int:
    """Run this process at least `nice` (0-19) nicer than normal; returns the niceness now.

    Web and workers share the machine's cores. A webhook is answered only once its SMS is
    stored, and providers time out and retry, so intake keeps its latency while the workers
    drain a flood; the workers get every cycle the web processes leave ([queue] worker_nice).
    Never makes the process less nice than it was started (that needs privileges). Called
    before any thread starts: on Linux niceness is per thread and new threads inherit it.
    """
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if nice > current:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, nice)
        except OSError:
            log.warning("could not lower the worker's priority to nice %d", nice)
            return current
        return nice
    return current


def freeze_startup_heap() -> int:
    """Keep the objects built at start-up out of every later garbage collection; returns how many.

    A web or worker process holds 100 to 150 thousand container objects for as long as it
    lives: modules, the app, the ORM's mappers, the parser's gazetteer and rules. Python's full
    collection walks all of them with every thread of the process stopped: measured during a
    flood (bench/e2e_bench), 50 to 300 ms each, every few seconds in a worker and several
    times a minute in a web process, and a webhook that arrives then waits that long. After
    gc.freeze() the collector never walks them again (reference counting still frees what is
    dropped, a swapped parser model included); objects made later are collected as before.
    Called once the process has built what it keeps, before it serves: gunicorn's
    post_worker_init in a web process, before the RQ loop in a worker.
    """
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("%d start-up objects kept out of the garbage collector", frozen)
    return frozen
