"""The C speed-ups of export lines (``annotations/_speedups.c``), or None
where they were not built (no C compiler at install): then their pure-Python
versions run instead, writing the same bytes."""

from types import ModuleType

compiled: ModuleType | None
try:
    from annotations import _speedups as compiled
except ImportError:
    compiled = None
