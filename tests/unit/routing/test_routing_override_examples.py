"""Every example of every shipped and test override rule routes to the agency it names."""

from __future__ import annotations

from pathlib import Path

import pytest

import routing

FIXTURE = Path(__file__).parent / "fixtures" / "overrides_test.toml"
DIRECTORIES = {
    "shipped": routing.load_directory(),
    "fixture": routing.load_directory(FIXTURE, include_default=False),
}
CASES = [(name, ex) for name, d in DIRECTORIES.items() for ex in d.overrides.examples()]


def test_shipped_rules_have_examples():
    assert any(name == "shipped" for name, _ in CASES)


@pytest.mark.parametrize(("directory", "example"), CASES,
                         ids=[f"{n}-{ex.where.rsplit(': ', 1)[-1]}" for n, ex in CASES])
def test_override_example_routes_to_the_named_agency(directory, example):
    result = routing.route(example.category, example.region, keyword=example.keyword,
                           directory=DIRECTORIES[directory])
    assert (result.agency.code if result.agency else None) == example.agency
