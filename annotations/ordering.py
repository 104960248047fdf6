"""The order the annotation screen goes through documents in.

- ``corpus``: import order.
- ``uncertain``: the documents where the model is least sure first, as
  Prodigy's "prefer uncertain" does: by the stored suggestion scores
  (``Store.uncertainty``: the mean closeness of a document's scores to 0.5),
  then the documents without scored suggestions, each group in corpus order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from annotations.model import DocumentInfo

CORPUS = "corpus"
UNCERTAIN = "uncertain"
ORDERS = (CORPUS, UNCERTAIN)


class OrderError(ValueError):
    """An order that does not exist, as one line."""


def check(order: str) -> str:
    if order not in ORDERS:
        raise OrderError(f"unknown order {order!r} (orders: {', '.join(ORDERS)})")
    return order


def ordered(documents: Sequence[DocumentInfo], order: str, uncertainty: Mapping[int, float]) -> list[DocumentInfo]:
    """``documents`` (in corpus order) in ``order``."""
    check(order)
    if order == CORPUS:
        return list(documents)
    indexed = list(enumerate(documents))
    indexed.sort(key=lambda pair: (pair[1].id not in uncertainty, -uncertainty.get(pair[1].id, 0.0), pair[0]))
    return [document for _, document in indexed]
