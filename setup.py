"""The project's metadata is in pyproject.toml; this adds the C speed-ups.

``optional``: where no C compiler is at hand the build goes on without
them, and the export uses its pure-Python versions (the same bytes, slower).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("annotations._speedups", ["annotations/_speedups.c"], optional=True)])
