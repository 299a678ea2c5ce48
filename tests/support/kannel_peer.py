"""A real Kannel for tests: bearerbox + smsbox from a generated config, fakesmsc as operator.

Debian's `kannel` and `kannel-extras` packages provide the binaries. `KannelPeer` writes the
config into a temporary folder, starts the boxes on free loopback ports, injects SMS through
`fakesmsc` and reads back what Kannel delivered to it (fakesmsc prints `Got message N: ...`).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.net import free_port

BEARERBOX = Path("/usr/sbin/bearerbox")
SMSBOX = Path("/usr/sbin/smsbox")
FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")
BINARIES = (BEARERBOX, SMSBOX, FAKESMSC)


def missing_binaries() -> list[str]:
    """The Kannel programs this machine lacks (empty when all are installed)."""
    return [str(p) for p in BINARIES if not os.access(p, os.X_OK)]


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `check` until it is true, or fail naming what never happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass
class KannelPeer:
    """One running Kannel; `get_url` is where its sms-service delivers inbound SMS."""

    workdir: Path
    get_url: str
    username: str = "gateway"
    password: str = "kannel-test-password"
    admin_password: str = "kannel-admin-password"
    admin_port: int = field(default_factory=free_port)
    smsbox_port: int = field(default_factory=free_port)
    smsc_port: int = field(default_factory=free_port)
    sendsms_port: int = field(default_factory=free_port)
    # False: Kannel hands each part of a long SMS over on its own (with %u), as some setups do.
    combine_parts: bool = True
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    fakesmsc: subprocess.Popen[bytes] | None = None

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def config_text(self) -> str:
        w = self.workdir
        return f"""
group = core
admin-port = {self.admin_port}
admin-interface = 127.0.0.1
admin-password = {self.admin_password}
smsbox-port = {self.smsbox_port}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = "{w}/bearerbox.log"
log-level = 1
access-log = "{w}/access.log"
dlr-storage = internal
sms-combine-concatenated-mo = {"true" if self.combine_parts else "false"}

group = smsc
smsc = fake
smsc-id = fake1
port = {self.smsc_port}
our-host = 127.0.0.1
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {self.smsbox_port}
sendsms-port = {self.sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{w}/smsbox.log"
log-level = 1
access-log = "{w}/smsbox-access.log"
mo-recode = true

group = sendsms-user
username = {self.username}
password = {self.password}
max-messages = 10
concatenation = true

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "{self.get_url}"
"""

    def start(self, timeout: float = 10.0) -> None:
        """Start bearerbox, then smsbox once bearerbox listens, then the fake operator."""
        conf = self.workdir / "kannel.conf"
        conf.write_text(self.config_text())
        self.procs.append(self._spawn([str(BEARERBOX), str(conf)], "bearerbox.out"))
        wait_for(lambda: _port_open(self.smsbox_port), timeout, "bearerbox's smsbox port")
        self.procs.append(self._spawn([str(SMSBOX), str(conf)], "smsbox.out"))
        wait_for(lambda: _port_open(self.sendsms_port), timeout, "smsbox's sendsms port")
        self.fakesmsc = self._spawn(
            [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(self.smsc_port), "-i", "1", "-m", "0",
             "0 0 text x"], "fakesmsc.out")
        wait_for(self._smsc_online, timeout, "the fake SMSC to connect")

    def _spawn(self, argv: list[str], out: str) -> subprocess.Popen[bytes]:
        with open(self.workdir / out, "ab") as log:  # the child keeps its own descriptor
            return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                    cwd=self.workdir)

    def _smsc_online(self) -> bool:
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.admin_port}/status.txt?password="
                    f"{self.admin_password}", timeout=1) as resp:
                return b"online" in resp.read()
        except OSError:
            return False

    def inject(self, sender: str, receiver: str, kind: str, payload: str) -> None:
        """Make the operator deliver one SMS: kind is text, data, ucs2 or `udh <udh>`."""
        self._stop_fakesmsc()
        self.fakesmsc = self._spawn(
            [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(self.smsc_port), "-i", "0.2", "-m", "1",
             f"{sender} {receiver} {kind} {payload}"], "fakesmsc.out")

    def delivered(self) -> list[str]:
        """Every message Kannel handed to the fake operator so far (fakesmsc's own lines)."""
        text = (self.workdir / "fakesmsc.out").read_bytes().decode("latin-1")
        return re.findall(r"Got message \d+: (<.*>)", text)

    def _stop_fakesmsc(self) -> None:
        if self.fakesmsc is not None:
            self.fakesmsc.terminate()
            self.fakesmsc.wait(5)
            self.fakesmsc = None

    def stop(self) -> None:
        self._stop_fakesmsc()
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self.procs.clear()

    def sendsms(self, **params: str) -> tuple[int, str]:
        """Call /cgi-bin/sendsms directly (fixture self-checks)."""
        query = urllib.parse.urlencode({"username": self.username, "password": self.password,
                                        **params})
        try:
            with urllib.request.urlopen(f"{self.sendsms_url}?{query}", timeout=5) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


def kannel_tmpdir(base: Path) -> Path:
    path = base / "kannel"
    if path.exists():
        shutil.rmtree(path)
    path.mkdir()
    return path
