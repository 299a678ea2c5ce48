"""CLI for the parser: `parse` (one text or JSON lines) and `parser train|eval`."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import click


def _parser(model: Path | None) -> Any:
    from parsers import Parser, default_parser

    if model is None:
        return default_parser()
    try:
        return Parser.load(model_path=model)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot load model {model}: {exc}") from None


def _dump(result: Any) -> str:
    return json.dumps(result.as_dict(), ensure_ascii=False, separators=(",", ":"))


@click.command()
@click.option("--default-region", metavar="CODE", help="Region code the channel implies.")
@click.option("--model", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Trained category model (see `parser train`).")
@click.option("--jsonl", is_flag=True, help="Read one text per stdin line, write one JSON each.")
@click.argument("text", required=False)
def parse_command(default_region: str | None, model: Path | None, jsonl: bool,
                  text: str | None) -> None:
    """Parse TEXT (or stdin lines with --jsonl) and print the result as JSON."""
    parser = _parser(model)
    if jsonl:
        out = sys.stdout
        for line in sys.stdin:
            out.write(_dump(parser.parse(line.rstrip("\r\n"), default_region=default_region)))
            out.write("\n")
        out.flush()
        return
    if text is None:
        raise click.UsageError("give TEXT or --jsonl")
    click.echo(_dump(parser.parse(text, default_region=default_region)))


@click.group()
def parser_group() -> None:
    """Train and evaluate the complaint category model."""


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or "text" not in rows[0] or "category" not in rows[0]:
        raise click.ClickException(f"{path}: needs columns text,category")
    return rows


@parser_group.command()
@click.option("--csv", "csv_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def train(csv_path: Path, out: Path) -> None:
    """Train a category model from a CSV with columns text,category."""
    from parsers.model import save_model
    from parsers.model import train as train_model

    rows = _read_csv(csv_path)
    parser = _parser(None)
    unknown = {r["category"] for r in rows} - set(parser.rules.categories)
    if unknown:
        raise click.ClickException(f"unknown categories in {csv_path}: {sorted(unknown)}")
    model = train_model(parser, [r["text"] for r in rows], [r["category"] for r in rows])
    save_model(model, out)
    click.echo(f"trained on {len(rows)} rows; review threshold {model.review_threshold}; "
               f"wrote {out}")


@parser_group.command("eval")
@click.option("--csv", "csv_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Trained category model; without it the rules alone decide.")
@click.option("--default-region", metavar="CODE", help="Region code the channel implies.")
@click.option("--folds", type=int, default=0,
              help="Cross-validate a model trained on the same CSV with K folds instead.")
@click.option("--baseline", is_flag=True,
              help="With --folds: cross-validate the plain TF-IDF + linear SVM reference.")
@click.option("--misses", type=click.Path(dir_okay=False, path_type=Path),
              help="Write misclassified rows to this CSV.")
def evaluate(csv_path: Path, model: Path | None, default_region: str | None, folds: int,
             baseline: bool, misses: Path | None) -> None:
    """Print accuracy, macro-F1, a per-category table and the location hit rate."""
    from parsers.evaluation import LocationScores, category_scores, confidence_table

    if baseline and not folds:
        raise click.UsageError("--baseline needs --folds K")
    rows = _read_csv(csv_path)
    parser = _parser(model)
    results = []
    with click.progressbar(rows, label="parsing", file=sys.stderr) as bar:
        for row in bar:
            results.append(parser.parse(row["text"], default_region=default_region))
    predicted = [r.category for r in results]
    confidence = [r.confidence for r in results]
    mode = f"model {model}" if model else "rules only"
    if folds:
        from parsers.model import cross_validate

        mode = f"{folds}-fold cross-validated {'baseline' if baseline else 'model'}"
        with click.progressbar(length=len(rows), label="cross-validating",
                               file=sys.stderr) as bar:
            predicted_cv, confidence = cross_validate(
                parser, [r["text"] for r in rows], [r["category"] for r in rows], folds,
                progress=bar.update, baseline=baseline)
        predicted = list(predicted_cv)
    gold = [r["category"] for r in rows]
    scores = category_scores(gold, predicted)
    click.echo(f"{csv_path}: {len(rows)} messages, {mode}")
    click.echo(f"accuracy  {scores.accuracy:.4f}")
    click.echo(f"macro-F1  {scores.macro_f1:.4f}")
    click.echo(f"{'category':<22} {'prec':>6} {'recall':>6} {'F1':>6} {'n':>5}")
    for c in scores.per_class:
        click.echo(f"{c.category:<22} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} "
                   f"{c.support:5d}")
    click.echo("confidence threshold -> share kept, accuracy of kept")
    ok = [p == g for p, g in zip(predicted, gold, strict=True)]
    for t, kept, acc in confidence_table(zip(confidence, ok, strict=True),
                                         (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)):
        click.echo(f"  >= {t:.1f}: {kept:6.1%} kept, accuracy {acc:.4f}")
    if "kelurahan" in rows[0] or "kecamatan" in rows[0]:
        _location(parser, rows, results, LocationScores())
    if misses:
        with misses.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "category", "predicted", "text"])
            for row, p in zip(rows, predicted, strict=True):
                if p != row["category"]:
                    writer.writerow([row.get("id", ""), row["category"], p, row["text"]])


def _location(parser: Any, rows: list[dict[str, str]], results: list[Any], scores: Any) -> None:
    for row, result in zip(rows, results, strict=True):
        scores.add(row["text"], result.region.code if result.region else None,
                   row.get("kelurahan") or None, row.get("kecamatan") or None,
                   parser.gazetteer.names, row.get("id", ""))
    click.echo(f"location: {scores.named} name their labelled kelurahan/kecamatan anywhere; "
               f"hit {scores.hit_rate:.4f}")
    click.echo(f"location: {scores.region_named} name it as a region (not in an address); "
               f"hit {scores.region_hit_rate:.4f}")
    click.echo(f"location: region outside the labelled one {scores.outside}/{scores.total} "
               f"= {scores.outside_rate:.4f}")
