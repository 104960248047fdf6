"""Redline's terminal interface (Textual).

It holds no SQL and no NLP: it reads and writes through
``annotations.store.Store`` and never imports spaCy, so it starts fast.
``tui.app.run_app`` is the entry point ``redline`` and ``redline annotate`` use.
"""
