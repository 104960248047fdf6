"""spaCy at import time: tokenization. The TUI never imports this module."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

BATCH_SIZE = 64
MAX_CHARACTERS = 100_000_000


def news_english() -> Language:
    """A new blank English pipeline with the tokenizer Redline stores tokens from.

    It needs no download. Two changes to spaCy's defaults: "m." and "k."
    are not kept whole, so "£190m." ends with a full stop of its own; and
    spaCy's 1,000,000-character cap (which protects parsers' memory) is
    raised, since tokenizing needs little and a long article must import.
    """
    import spacy

    nlp = spacy.blank("en")
    nlp.tokenizer.rules = {key: value for key, value in nlp.tokenizer.rules.items() if key not in ("m.", "k.")}
    nlp.max_length = MAX_CHARACTERS
    return nlp


@lru_cache(maxsize=1)
def blank() -> Language:
    """The shared tokenizer-only pipeline of import (``news_english``)."""
    return news_english()


def token_offsets(doc: Doc) -> list[tuple[int, int]]:
    """Every token of ``doc`` as (start, end) code-point offsets."""
    from spacy.attrs import IDX, LENGTH

    if len(doc) == 0:
        return []
    array = doc.to_array([IDX, LENGTH])
    starts = array[:, 0].tolist()
    ends = (array[:, 0] + array[:, 1]).tolist()
    return list(zip(starts, ends))


def packed_token_offsets(doc: Doc) -> bytes:
    """``token_offsets`` packed as the store keeps them, without Python tuples."""
    from spacy.attrs import IDX, LENGTH

    array = doc.to_array([IDX, LENGTH]).astype("<u4")
    array[:, 1] += array[:, 0]
    return array.tobytes()


def packed_tokens(texts: list[str]) -> list[bytes]:
    """Packed token offsets of each text (b"" for ""): a tokenizer process's job."""
    return [packed_token_offsets(doc) if len(doc) else b"" for doc in blank().pipe(texts, batch_size=BATCH_SIZE)]


def tokenize(texts: Iterable[str], batch_size: int = BATCH_SIZE) -> Iterator[list[tuple[int, int]]]:
    """Token offsets for each text, batched through ``nlp.pipe``."""
    for doc in blank().pipe(texts, batch_size=batch_size):
        yield token_offsets(doc)
