"""The parser every process uses: the rules plus the active model version, swapped when it changes.

The configured `[parser] model_path` is the model a deployment starts with: it is checked when
the services are built (a file that is missing, unreadable, damaged or of another format stops
start-up with a ModelError naming it) and registered as a version on first use. Afterwards the
active version in `parser_models` decides; every `check_seconds` one cheap query asks for its id
and a changed id loads that version (`Parser.with_model`), so a promotion or a rollback reaches
running workers and web processes without a restart.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

import parsers
from sms_gateway.store import parser_models
from sms_gateway.store.console import add_audit

log = logging.getLogger(__name__)

RULES_ONLY = None  # the version recorded when no model decided
# The project is installed from its source tree (its distribution on PyPI would be someone
# else's "sms-gateway"): the extra is named from there.
INSTALL_ML = "install the ml extra: pip install -e '.[ml]' in the project's directory"


class Current(NamedTuple):
    """The parser to use now and the model version it decides with (None: rules alone)."""

    parser: parsers.Parser
    version: int | str | None


def _model_error(message: str) -> Exception:
    from parsers.modelfile import ModelError

    return ModelError(message)


def check_model_file(path: str) -> bytes:
    """Read a configured model file and check it without unpickling; ModelError names it."""
    try:
        from parsers.modelfile import read_header
    except ImportError as exc:  # pragma: no cover - parsers always ships modelfile
        raise RuntimeError(str(exc)) from None
    try:
        blob = Path(path).read_bytes()
    except FileNotFoundError:
        raise _model_error(f"[parser] model_path {path}: no such model file") from None
    except OSError as exc:
        raise _model_error(f"[parser] model_path {path}: cannot read model file "
                           f"({exc.strerror or exc})") from None
    source = f"[parser] model_path {path}"
    header = read_header(blob, source)
    try:
        import sklearn
    except ImportError:
        raise _model_error(f"{source}: scikit-learn is not installed ({INSTALL_ML})") from None
    if str(header.get("sklearn")).split(".")[:2] != sklearn.__version__.split(".")[:2]:
        raise _model_error(f"{source}: trained with scikit-learn {header.get('sklearn')}, this "
                           f"is {sklearn.__version__}; retrain the model")
    payload = blob[header["payload_offset"]:]
    if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
        raise _model_error(f"{source}: model file damaged (checksum mismatch)")
    return blob


class LiveParser:
    """Hands out the current parser; reloads the model when the active version changes."""

    def __init__(self, sessions: sessionmaker[Any] | None, *, configured: bytes | None = None,
                 configured_path: str = "", check_seconds: float = 30.0,
                 clock: Callable[[], float] = time.monotonic, shipped_gate: bool = True,
                 register: bool = True) -> None:
        self._sessions = sessions
        self._shipped_gate = shipped_gate
        self._configured = configured
        self._configured_path = configured_path
        self._check_seconds = check_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._current: Current | None = None
        self._next_check = float("-inf")
        self._registered = configured is None
        # False: only look (`sms-gateway parse`): a configured file not yet registered is what
        # the workers will register and activate, so it decides here, and nothing is written
        self._register_configured = register
        self._failed: str | None = None  # why the active version could not be loaded here

    def current(self) -> Current:
        """The parser and model version to use now (checks the active version when due)."""
        now = self._clock()
        if self._current is None or now >= self._next_check:
            # One thread checks and loads; the others go on with the parser they had.
            if self._lock.acquire(blocking=self._current is None):
                try:
                    if self._current is None or self._clock() >= self._next_check:
                        self._refresh()
                        self._next_check = self._clock() + self._check_seconds
                finally:
                    self._lock.release()
        assert self._current is not None
        return self._current

    def _refresh(self) -> None:
        if self._sessions is None:  # no database (`sms-gateway parse` before `init`)
            self._current = self._current or self._from_file()
            return
        try:
            with self._sessions.begin() as session:
                if not self._registered:
                    if not self._register_configured:
                        assert self._configured is not None
                        if parser_models.by_sha(session,
                                                parser_models.digest(self._configured)) is None:
                            self._install(self._from_file())
                            return
                    else:
                        self._register(session)
                active = parser_models.active_id(session)
                if self._current is not None and active == self._current.version:
                    return
                blob = (session.get(parser_models.ParserModel, active).blob
                        if active is not None else None)
        except SQLAlchemyError as exc:
            # The database is down or not migrated: keep what we have, ask again later.
            log.warning("cannot read the active parser model version: %s", exc)
            if self._current is None:
                self._current = self._from_file()
            return
        if active is None:
            self._install(Current(self._base, RULES_ONLY))
            return
        assert blob is not None
        try:
            self._install(Current(self._load(blob, f"model version {active}"), active))
            self._failed = None
        except (ValueError, ImportError) as exc:
            # ModelError, or no scikit-learn in this process: keep deciding with what we had
            # (a message is parsed all the same), and say why at every check until mended
            why = (f"scikit-learn is not installed here ({INSTALL_ML})"
                   if isinstance(exc, ImportError) else str(exc))
            self._failed = f"model version {active} is active but cannot be loaded: {why}"
            if self._current is None:
                self._current = self._from_file()
            log.error("%s; parsing with %s", self._failed, _shown(self._current.version))

    def require_active(self) -> None:
        """At start-up: load the active version, or raise ModelError saying why it cannot be
        (a process that starts without scikit-learn while a model is active, say)."""
        self.current()
        if self._failed is not None:
            raise _model_error(self._failed)

    def _register(self, session: Session) -> None:
        """Store the configured model as a version on first start, and make it active then."""
        assert self._configured is not None
        sha = parser_models.digest(self._configured)
        if parser_models.by_sha(session, sha) is None:
            from parsers.modelfile import model_figures

            try:
                with session.begin_nested():
                    row = parser_models.add(
                        session, self._configured,
                        model_figures(self._configured, self._configured_path).as_dict(),
                        source="model_path", created_by="config", note=self._configured_path)
                    parser_models.activate(session, row.id)
                    add_audit(session, "config", "model.register", target_type="parser_model",
                              target_id=row.id, path=self._configured_path)
            except IntegrityError:  # another process registered it at the same moment
                self._registered = True
                return
            log.info("registered [parser] model_path %s as model version %d",
                     self._configured_path, row.id)
        self._registered = True

    def _from_file(self) -> Current:
        if self._configured is None:
            return Current(self._base, RULES_ONLY)
        sha = parser_models.digest(self._configured)[:12]
        return Current(self._load(self._configured, self._configured_path), f"file:{sha}")

    def _load(self, blob: bytes, source: str) -> parsers.Parser:
        from parsers.modelfile import load_model_bytes

        return self._base.with_model(load_model_bytes(blob, self._base, source=source))

    @property
    def _base(self) -> parsers.Parser:
        """The rules (loaded on first use, once per process), and the complaint gate a parse
        asks when the model brings none of its own: the shipped one, or none ([parser]
        shipped_gate = false)."""
        base = parsers.default_parser()
        return base if self._shipped_gate else base.with_gate(None)

    def _install(self, current: Current) -> None:
        previous = self._current.version if self._current else "-"
        self._current = current
        if previous != current.version:
            log.info("parser model version %s -> %s", _shown(previous), _shown(current.version))

    def parse(self, text: str, *, default_region: str | None = None,
              ) -> tuple[parsers.ParseResult, int | str | None]:
        """Parse with the current parser; also returns the model version that decided."""
        parser, version = self.current()
        return parser.parse(text, default_region=default_region), version


def _shown(version: int | str | None) -> str:
    """A model version as the log shows it: None (no model decides) as "rules only"."""
    return "rules only" if version is RULES_ONLY else str(version)
