"""Model files and blobs: a checked header, then the pickled model.

Layout: the magic line `sms1708-category-model\\n`, one line of JSON (format version, the
scikit-learn version, the payload's SHA-256, the model's figures), then the pickle. The header
is checked before anything is unpickled, so a file that is not ours, of another format version,
trained with another scikit-learn or damaged is refused with a ModelError and never unpickled.
Unpickling still runs code: store and load only models you trained.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Any

from parsers.classifier import ModelFigures, TrainedModel
from parsers.features import TextFeatures

MAGIC = b"sms1708-category-model\n"
FORMAT_VERSION = 3
_HEADER_LIMIT = 1 << 20


class ModelError(ValueError):
    """A model file or blob that cannot be used; the one-line message names its source."""


def dump_model_bytes(model: TrainedModel) -> bytes:
    """Serialise a model: header (format, scikit-learn version, checksum, figures) + pickle."""
    import sklearn

    payload = pickle.dumps(model, protocol=5)
    header = {"format": FORMAT_VERSION, "sklearn": sklearn.__version__,
              "sha256": hashlib.sha256(payload).hexdigest(),
              "figures": model.figures.as_dict()}
    return MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + payload


def read_header(blob: bytes, source: str = "model blob") -> dict[str, Any]:
    """The checked header of a serialised model (format, sklearn, sha256, figures)."""
    if not blob.startswith(MAGIC):
        raise ModelError(f"{source}: not a parser category model (no sms1708-category-model "
                         "header; files written before format 3 must be retrained)")
    end = blob.find(b"\n", len(MAGIC), len(MAGIC) + _HEADER_LIMIT)
    try:
        header = json.loads(blob[len(MAGIC):end]) if end > 0 else None
    except ValueError:
        header = None
    if not isinstance(header, dict) or not isinstance(header.get("figures"), dict):
        raise ModelError(f"{source}: not a parser category model (damaged header)")
    if header.get("format") != FORMAT_VERSION:
        raise ModelError(f"{source}: model format {header.get('format')!r}, this parser reads "
                         f"format {FORMAT_VERSION}; retrain the model")
    header["payload_offset"] = end + 1
    return header


def model_figures(blob: bytes, source: str = "model blob") -> ModelFigures:
    """The figures stored in a serialised model's header, without unpickling it."""
    try:
        return ModelFigures.from_dict(read_header(blob, source)["figures"])
    except TypeError as exc:
        raise ModelError(f"{source}: not a parser category model (figures: {exc})") from None


def load_model_bytes(blob: bytes, features: TextFeatures | None = None,
                     source: str = "model blob") -> TrainedModel:
    """Check the header, then unpickle; `features` checks the model's categories are known."""
    import sklearn

    header = read_header(blob, source)
    if _minor(header.get("sklearn")) != _minor(sklearn.__version__):
        raise ModelError(f"{source}: trained with scikit-learn {header.get('sklearn')}, this is "
                         f"{sklearn.__version__}; retrain the model")
    payload = blob[header["payload_offset"]:]
    if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
        raise ModelError(f"{source}: model file damaged (checksum mismatch)")
    try:
        model = pickle.loads(payload)  # noqa: S301 - header and checksum checked: our artefact
    except Exception as exc:  # a damaged payload can raise almost anything
        raise ModelError(f"{source}: model file damaged ({type(exc).__name__})") from None
    if not isinstance(model, TrainedModel):
        raise ModelError(f"{source}: not a parser category model ({type(model).__name__})")
    if features is not None and not set(model.classes) <= set(features.rules.categories):
        unknown = sorted(set(model.classes) - set(features.rules.categories))
        raise ModelError(f"{source}: trained for other categories ({', '.join(unknown)}); "
                         "retrain the model")
    return model


def _minor(version: object) -> tuple[str, ...]:
    return tuple(str(version).split(".")[:2])


def save_model(model: TrainedModel, path: Path) -> None:
    """Write the model file atomically (a reader never sees half a file)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(dump_model_bytes(model))
    os.replace(tmp, path)


def load_model(path: Path, features: TextFeatures | None = None) -> TrainedModel:
    """Read a model file; ModelError (a ValueError) names the path when it cannot be used."""
    path = Path(path)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{path}: no such model file") from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot read model file ({exc.strerror or exc})") from None
    return load_model_bytes(blob, features, source=str(path))
