"""Web and worker processes keep their start-up objects out of the garbage collector."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# In a child: a frozen heap is process-wide, and the tests share a process.
CHILD = """
import gc, json, sys
from gunicorn.config import Config as GunicornConfig
from sms_gateway.cli.main import gunicorn_settings
from sms_gateway.config import load_config

cfg = GunicornConfig()
for name, value in gunicorn_settings(load_config(sys.argv[1], env={}), "127.0.0.1:1", 1).items():
    cfg.set(name, value)  # gunicorn checks the hook's signature here
before = gc.get_freeze_count()
cfg.post_worker_init(None)  # what gunicorn calls in each web process once it loaded the app
frozen = gc.get_freeze_count()

class Node:
    pass

def cycles(n):  # garbage made after the freeze is still collected
    for _ in range(n):
        a, b = Node(), Node()
        a.other, b.other = b, a

enabled = gc.isenabled()
gc.disable()  # all 1,000 cycles left for the one collection below
cycles(1000)
collected = gc.collect()
print(json.dumps({"before": before, "frozen": frozen, "collected": collected,
                  "enabled": enabled}))
"""


def test_a_web_process_freezes_its_start_up_heap_once_it_loaded_the_app(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text("")
    out = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "c.toml")], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    got = json.loads(out)
    assert got["before"] == 0 and got["frozen"] > 10_000, got
    assert got["enabled"] and got["collected"] >= 2000, got  # 1,000 cycles of two
