"""Files the tests need live in the repository: a fresh clone anywhere runs the same tests."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from tests.support.prism import SPEC

REPO = Path(__file__).resolve().parents[2]


def test_the_vendored_twilio_spec_is_inside_the_repository_and_matches_its_readme() -> None:
    readme = (SPEC.parent / "README.md").read_text()
    recorded = re.search(r"SHA-256: ([0-9a-f]{64})", readme)
    assert (SPEC.is_relative_to(REPO), recorded is not None
            and hashlib.sha256(SPEC.read_bytes()).hexdigest() == recorded.group(1)) == (True, True)


def test_the_vendored_twilio_spec_describes_sending_a_message() -> None:
    paths = json.loads(SPEC.read_text())["paths"]
    assert "post" in paths["/2010-04-01/Accounts/{AccountSid}/Messages.json"]
