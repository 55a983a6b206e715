from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def allow_private(app_and_sessions, monkeypatch):
    """The receivers of these tests listen on 127.0.0.1 (a test that checks the guard
    turns it back off)."""
    app, _ = app_and_sessions
    monkeypatch.setattr(app.state.settings, "webhook_allow_private", True)
    return app.state.settings
