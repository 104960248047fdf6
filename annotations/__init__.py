"""Redline's data side: the store, import, suggestions, agreement and export."""

import os

# Redline does no linear algebra, but numpy's OpenBLAS starts a thread per
# core on import that spins for some 0.1 s of CPU: on a 2-core machine, a
# tenth of an export. One thread (the caller's) it is, unless the user says.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
