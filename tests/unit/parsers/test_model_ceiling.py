"""bench/model_ceiling.py: the development measurement behind docs/parser.md still runs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

TOPICS = {
    "jalan_drainase": ["jalan", "berlubang", "aspal", "rusak", "saluran", "got", "paving"],
    "sampah_lingkungan": ["sampah", "menumpuk", "tps", "bau", "diangkut", "busuk", "limbah"],
    "adminduk": ["ktp", "kartu", "keluarga", "akta", "kelahiran", "nik", "dispendukcapil"],
}


def _dev_csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "category", "kabkota", "kecamatan", "kelurahan"])
        for category, words in TOPICS.items():
            for i in range(15):
                text = " ".join(words[(i + j) % len(words)] for j in range(4))
                writer.writerow([f"{category}-{i}", f"mohon {text} nomor {i}", category,
                                 "35.78", "", ""])
    return path


def test_every_experiment_prints_its_figures(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    from bench import model_ceiling

    model_ceiling.main(["--csv", str(_dev_csv(tmp_path / "dev.csv"))])
    lines = capsys.readouterr().out.splitlines()
    figures = {line[:80].strip(): tuple(map(float, line[80:].split()))
               for line in lines[2:] if len(line) > 80 and line[80:].split()}
    assert len(figures) == 13
    assert all(0.0 <= value <= 1.0 for pair in figures.values() for value in pair)
    shipped = figures["two SVMs + rules (weight 1): the shipped model's votes"]
    bound = figures["per-class offsets tuned on the evaluated rows themselves (optimistic bound)"]
    assert shipped[0] >= 0.9  # three topics with disjoint words: nearly all right
    assert sum(bound) >= sum(shipped)  # the offsets start at zero, so never worse
