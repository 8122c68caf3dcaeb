"""pytest for the whole repository.

`make test` also collects every notebook in notebooks/ with nbval (`--nbval-lax`, set in
pyproject.toml): each notebook runs as written, cell by cell, in a fresh kernel, with its parameters
cell's defaults (the embedded Mid and South Essex pack, the whole footprint), beside the papermill
runs of tests/test_notebooks.py for other packs and localities. A cell that raises fails its test;
outputs are not compared (the notebooks are committed without them).
"""

from __future__ import annotations

import pytest

# notebooks under tests/ are fixtures (one fails on purpose), run by the tests that use them
collect_ignore_glob = ["tests/*/*.ipynb", "tests/*.ipynb"]


def pytest_collection_modifyitems(config, items):
    """A notebook's cells are end-to-end tests: they carry the e2e marker like every other test."""
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.e2e)
