"""Fixtures every test file shares."""

from __future__ import annotations

import signal

import pytest


@pytest.fixture(autouse=True)
def _altair_put_back():
    """Altair's process-wide renderer and data transformer, and stpkit's chart mode, as they were before
    each test. A test that draws pages in this process (charts.setup) must not leave its settings to a later
    test that runs the report engine here: the engine takes the settings it first meets as a fresh kernel's."""
    import altair as alt

    from stpkit import charts

    saved = (alt.renderers.active, dict(alt.renderers.options), alt.data_transformers.active,
             dict(alt.data_transformers.options), charts._mode, charts._interactive_charts)
    yield
    alt.renderers.enable(saved[0], **saved[1])
    alt.data_transformers.enable(saved[2], **saved[3])
    charts._mode, charts._interactive_charts = saved[4], saved[5]


@pytest.fixture(autouse=True)
def _ctrl_c_put_back():
    """Ctrl-C's handler in this process as it was before each test: a child process inherits an ignored
    SIGINT, so a test that left it ignored would make every later `stpkit` run deaf to Ctrl-C."""
    saved = signal.getsignal(signal.SIGINT)
    yield
    if signal.getsignal(signal.SIGINT) is not saved and saved is not None:
        signal.signal(signal.SIGINT, saved)
