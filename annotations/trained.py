"""Models ``redline train`` made: where they live, what they scored, which
one ``--model latest`` means. Nothing here loads spaCy.

Each run is a folder beside the database (``redline.db`` keeps its runs in
``redline-models/``), named by the time it started, holding a spaCy pipeline
that ``spacy.load`` opens and ``redline.json``: what it learnt from, its
dev scores and those of the rules on the same documents, and the labels it
suggests beside the rules (those it did better than the rules).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotations.scoring import OVERALL

if TYPE_CHECKING:
    from annotations.store import Store

INFO_FILE = "redline.json"
LATEST = "latest"
"""``--model latest``: the newest model trained on this database."""


class ModelError(Exception):
    """A trained model that cannot be used, as one line."""


def models_root(db_path: Path) -> Path:
    """Where a database's runs go: ``redline.db`` -> ``redline-models/`` beside it."""
    db_path = Path(db_path).resolve()
    return db_path.parent / f"{db_path.stem}-models"


def read_info(path: str | Path) -> dict[str, Any] | None:
    """A run folder's ``redline.json``; None for a folder without one (any other pipeline)."""
    file = Path(path).expanduser() / INFO_FILE
    if not file.is_file():
        return None
    try:
        info = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelError(f"{file}: unreadable ({error})") from None
    if not isinstance(info, dict) or not isinstance(info.get("scores"), dict):
        raise ModelError(f"{file}: not what redline train writes (no scores)")
    return info


def model_labels(path: str | Path) -> frozenset[str] | None:
    """The labels a trained model suggests beside the rules; None for a
    pipeline ``redline train`` did not make (it suggests every label)."""
    try:
        info = read_info(path)
    except ModelError:
        return None  # loading the pipeline reports what is wrong with the folder
    if info is None:
        return None
    return frozenset(info["scores"].get("model_labels", []))


def resolve(store: Store, value: str) -> str:
    """``--model`` as given: ``latest`` or a run's name becomes that run's
    folder, which must exist; anything else is returned as it is."""
    models = store.models()
    if value == LATEST:
        if not models:
            raise ModelError(f"{store.path}: no model trained yet; train one with: redline train --db {store.path}")
        chosen = models[-1]
    else:
        chosen = next((m for m in models if m.name == value), None)
        if chosen is None:
            return value
    if not Path(chosen.path).is_dir():
        raise ModelError(f"model {chosen.name}: its folder {chosen.path} is missing (moved or deleted?)")
    return chosen.path


def _f(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def describe_scores(scores: dict[str, Any]) -> list[str]:
    """Dev scores as lines: each label's P, R, F1 for the model and the rules, and who suggests what."""
    model, rules = scores.get("model", {}), scores.get("rules", {})
    lines = []
    for label, figures in model.items():
        other = rules.get(label, {})
        name = "all" if label == OVERALL else label
        lines.append(
            f"  {name:<8} model P {_f(figures.get('p'))} R {_f(figures.get('r'))} F1 {_f(figures.get('f'))}"
            f" · rules P {_f(other.get('p'))} R {_f(other.get('r'))} F1 {_f(other.get('f'))}"
            f" · {figures.get('gold', 0)} spans"
        )
    return lines


def describe(info: dict[str, Any]) -> list[str]:
    """What ``redline suggest`` says of the trained model it uses."""
    layers = ", ".join(info.get("layers", []))
    lines = [
        f"model {info.get('name')}: trained on {layers} ({info.get('train_documents')} documents,"
        f" {info.get('dev_documents')} held out for these dev scores, overlap matching):"
    ]
    lines += describe_scores(info["scores"])
    labels = info["scores"].get("model_labels", [])
    lines.append(
        f"  beside the rules the model suggests: {', '.join(labels)}" if labels
        else "  the model did no better than the rules on any label: beside them it suggests nothing"
    )
    return lines


def overall_f1(info: dict[str, Any] | None) -> float | None:
    if info is None:
        return None
    return info["scores"].get("model", {}).get(OVERALL, {}).get("f")
