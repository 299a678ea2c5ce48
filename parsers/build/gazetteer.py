"""Precompile the gazetteer index into parsers/data/gazetteer.idx (fast start-up).

    python -m parsers.build.gazetteer

Run after changing data/wilayah_2025.csv.gz or the name variants in parsers/gazetteer.py (then
bump INDEX_VERSION). The index is stamped with the CSV's SHA-256: a stale one is ignored and the
gazetteer is built from the CSV instead (slower start-up, same answers).
"""

from __future__ import annotations

from parsers.gazetteer import INDEX_FILE, Gazetteer
from parsers.rulefile import data_path


def main() -> None:
    """Build and write the index."""
    raw = data_path("wilayah_2025.csv.gz").read_bytes()
    blob = Gazetteer.build(raw).compile(raw)
    data_path(INDEX_FILE).write_bytes(blob)
    print(f"wrote {data_path(INDEX_FILE)} ({len(blob):,} bytes)")


if __name__ == "__main__":
    main()
