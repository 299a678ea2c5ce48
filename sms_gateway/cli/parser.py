"""CLI for the parser: `parse` (one text or JSON lines) and `parser train|eval`."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import click


def _parser(model: Path | None, *, active: bool = False) -> Any:
    from parsers import Parser, default_parser

    if model is None:
        return _active_parser() if active else default_parser()
    try:
        return Parser.load(model_path=model)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot load model {model}: {exc}") from None


def _active_parser() -> Any:
    """The deployment's parser: the active model version, else the configured model file."""
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url

    from sms_gateway.cli.common import check_model, config, services
    from sms_gateway.complaints.live_parser import LiveParser, check_model_file
    from sms_gateway.dispatch import InlineDispatcher

    cfg = config()
    check_model(cfg)
    url = make_url(cfg.database_url)
    # No database yet (a fresh checkout, before `init`): never create one just to parse.
    path = cfg.parser.model_path
    blob = check_model_file(path) if path else None
    if not url.drivername.startswith("sqlite") or Path(url.database or "").exists():
        svc = services(cfg, dispatcher=InlineDispatcher(), install=False)
        try:
            if inspect(svc.engine).has_table("parser_models"):
                # only look: registering the configured file is the workers' (a parse that
                # made it active for every worker surprised a deployer)
                return _said(LiveParser(svc.sessions, configured=blob, configured_path=path,
                                        shipped_gate=cfg.parser.shipped_gate,
                                        register=False).current())
        finally:
            svc.close()
    return _said(LiveParser(None, configured=blob, configured_path=path,
                            shipped_gate=cfg.parser.shipped_gate).current())


def _said(current: Any) -> Any:
    """The parser, after saying on stderr which model decides (stdout stays JSON)."""
    from sms_gateway.complaints.live_parser import RULES_ONLY

    version = current.version
    click.echo("rules only (no model version)" if version is RULES_ONLY
               else f"model version {version}", err=True)
    return current.parser


def _dump(result: Any) -> str:
    return json.dumps(result.as_dict(), ensure_ascii=False, separators=(",", ":"))


@click.command()
@click.option("--default-region", metavar="CODE", help="Region code the channel implies.")
@click.option("--model", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Trained category model (see `parser train`).")
@click.option("--rules-only", is_flag=True, help="Decide with the rules alone, no model.")
@click.option("--jsonl", is_flag=True, help="Read one text per stdin line, write one JSON each.")
@click.argument("text", required=False)
def parse_command(default_region: str | None, model: Path | None, rules_only: bool, jsonl: bool,
                  text: str | None) -> None:
    """Parse TEXT (or stdin lines with --jsonl) and print the result as JSON.

    Without --model or --rules-only: the deployment's active model version (or the configured
    `[parser] model_path`), as the workers use it.
    """
    parser = _parser(model, active=not rules_only)
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


def _target_precision() -> float:
    from sms_gateway.cli.common import config

    return config().parser.auto_route_precision


def _require_ml(what: str) -> None:
    """One line instead of a traceback when the ml extra is not installed."""
    from sms_gateway.complaints.live_parser import INSTALL_ML

    try:
        import numpy  # noqa: F401
        import scipy  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError as exc:
        raise click.ClickException(f"{what} needs scikit-learn, numpy and scipy ({exc.name} is "
                                   f"not installed; {INSTALL_ML})") from None


@parser_group.command()
@click.option("--csv", "csv_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def train(csv_path: Path, out: Path) -> None:
    """Train a category model from a CSV with columns text,category."""
    _require_ml("training")
    from parsers.model import save_model
    from parsers.model import train as train_model

    rows = _read_csv(csv_path)
    parser = _parser(None)
    unknown = {r["category"] for r in rows} - set(parser.rules.categories)
    if unknown:
        raise click.ClickException(f"unknown categories in {csv_path}: {sorted(unknown)}")
    model = train_model([r["text"] for r in rows], [r["category"] for r in rows],
                        features=parser, target_precision=_target_precision())
    save_model(model, out)
    f = model.figures
    click.echo(f"trained on {len(rows)} rows; review threshold {model.review_threshold:.3f} "
               f"for precision {f.target_precision:.2f}: held back, {f.coverage:.1%} of "
               f"complaints routed without a human, {f.precision:.1%} right; wrote {out}")
    if model.gate is not None:
        g = model.gate.figures
        click.echo(f"complaint gate: {g['complaint_texts']} complaint texts against "
                   f"{g['non_complaints']} personal and promotional SMS; out of fold it stops "
                   f"{g['non_complaints_caught_out_of_fold']} of those SMS and at most "
                   f"{g['max_loss']:.0%} of the complaints")


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
    if folds or model:
        _require_ml("a model")
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


def _deployment() -> Any:
    """The services of the configured deployment, for the label and model commands."""
    from sms_gateway.cli.common import config, services
    from sms_gateway.dispatch import InlineDispatcher
    from sms_gateway.store import migrate

    cfg = config()
    if cfg.embedded:
        migrate.upgrade(cfg)  # nothing installed, nothing to run first
    return services(cfg, dispatcher=InlineDispatcher(), install=False)


@parser_group.group("labels")
def labels_group() -> None:
    """Labelled examples (operators' decisions, imports): the parser's training data."""


@labels_group.command("import")
@click.option("--csv", "csv_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with columns text,category and optionally region (a region code).")
def labels_import(csv_path: Path) -> None:
    """Import a deployment's labelled history; importing the same file again adds nothing."""
    from sms_gateway.cli.common import cli_actor
    from sms_gateway.console import labels, regions
    from sms_gateway.store.console import add_audit

    svc = _deployment()
    try:
        categories = frozenset(svc.parser.current().parser.rules.categories)
        with svc.sessions.begin() as session:
            report = labels.import_csv(session, csv_path, categories=categories,
                                       known_region=lambda c: regions.get(c) is not None,
                                       actor=f"import:{csv_path.name}")
            add_audit(session, cli_actor(), "labels.import", target_type="file",
                      target_id=csv_path.name[:40], read=report.read, added=report.added)
    except labels.LabelImportError as exc:
        raise click.ClickException(f"nothing imported:\n{exc}") from None
    finally:
        svc.close()
    click.echo(f"{csv_path}: {report.read} rows read, {report.added} labels added, "
               f"{report.known} already imported")


@labels_group.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV to write: text,category,region,source,actor,at.")
@click.option("--since", default=None, help="Only labels on or after this date (YYYY-MM-DD).")
def labels_export(out: Path, since: str | None) -> None:
    """Write every labelled example (the format `parser train` and `labels import` read)."""
    from sms_gateway.console import labels

    try:
        day = labels.parse_day(since)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    svc = _deployment()
    try:
        with svc.sessions() as session:
            count = labels.export_csv(session, out, since=day)
    finally:
        svc.close()
    click.echo(f"{count} labelled examples written to {out}")


def _scores_line(name: str, s: dict[str, Any]) -> str:
    return (f"  {name:<9} accuracy {s['accuracy']:.4f}  macro-F1 {s['macro_f1']:.4f}  "
            f"threshold {s['threshold']:.3f}: {s['coverage']:.1%} routed, {s['precision']:.1%} "
            f"right; at the target {s['coverage_at_target']:.1%} routed; its complaint gate "
            f"stops {s.get('gate_stops', 0.0):.1%}")


@parser_group.command("retrain")
@click.option("--seed-csv", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extra training rows (text,category), e.g. the data the first model had.")
def retrain_command(seed_csv: Path | None) -> None:
    """Train a candidate on all labels, compare it with the active model, promote if not worse."""
    from sms_gateway.cli.common import cli_actor
    from sms_gateway.complaints.learning import RetrainError, retrain

    seed: list[tuple[str, str]] = []
    svc = _deployment()
    try:
        if seed_csv is not None:
            rows = _read_csv(seed_csv)
            unknown = ({r["category"] for r in rows}
                       - set(svc.parser.current().parser.rules.categories))
            if unknown:
                raise click.ClickException(f"unknown categories in {seed_csv}: {sorted(unknown)}")
            seed = [(r["text"], r["category"]) for r in rows]
        click.echo(f"training (target precision "
                   f"{svc.config.parser.auto_route_precision:.2f}); this takes a while ...",
                   err=True)
        report = retrain(svc, seed=seed, actor=cli_actor())
    except RetrainError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        svc.close()
    c, f = report.label_counts, report.candidate_figures
    click.echo(f"candidate: model version {report.version_id}, trained on {c['trained_on']} "
               f"rows ({c['labels']} labels, {c['seed']} seed), {c['held_back']} recent labels "
               f"held back; its complaint gate also learnt from {c['not_complaints']} messages "
               f"operators judged no complaint; {report.seconds:.0f} s")
    click.echo(f"  own out-of-fold figures: accuracy {f['accuracy']:.4f}, threshold "
               f"{f['threshold']:.3f}, {f['coverage']:.1%} routed at {f['precision']:.1%}")
    if report.comparison is not None:
        click.echo(f"on the {report.comparison['candidate']['rows']} held-back labels "
                   f"(target precision {report.comparison['target_precision']:.2f}):")
        click.echo(_scores_line("candidate", report.comparison["candidate"]))
        active = ("rules" if report.active_version is None
                  else f"v{report.active_version}")
        click.echo(_scores_line(f"active {active}", report.comparison["active"]))
    click.echo(f"{'PROMOTED' if report.promoted else 'not promoted'}: {report.reason}")


@parser_group.command("models")
def models_command() -> None:
    """List the model versions, the active one marked with *."""
    from sms_gateway.store import parser_models

    svc = _deployment()
    try:
        with svc.sessions() as session:
            rows = [(m.id, m.active, m.source, m.created_at, m.created_by, m.figures, m.note)
                    for m in parser_models.versions(session)]
    finally:
        svc.close()
    if not rows:
        click.echo("no model versions: the rules alone decide")
        return
    for vid, active, source, at, by, fig, note in rows:
        click.echo(f"{'*' if active else ' '} {vid:>4}  {at:%Y-%m-%d %H:%M}  {source:<10} "
                   f"{by:<20} rows {fig.get('rows', 0):>6}  accuracy {fig.get('accuracy', 0):.4f}"
                   f"  threshold {fig.get('threshold', 0):.3f}  routed {fig.get('coverage', 0):.1%}"
                   f" at {fig.get('precision', 0):.1%}" + (f"  ({note})" if note else ""))


@parser_group.command("activate")
@click.argument("version", type=int)
def activate_command(version: int) -> None:
    """Make model VERSION the active one (a rollback, too); running processes follow."""
    from sms_gateway.cli.common import cli_actor
    from sms_gateway.store import parser_models
    from sms_gateway.store.console import add_audit

    svc = _deployment()
    try:
        with svc.sessions.begin() as session:
            try:
                parser_models.activate(session, version)
            except KeyError:
                raise click.ClickException(f"no model version {version}") from None
            add_audit(session, cli_actor(), "model.activate", target_type="parser_model",
                      target_id=version)
    finally:
        svc.close()
    click.echo(f"model version {version} is active; running processes switch within "
               f"{svc.config.parser.model_check_seconds:.0f} s")
