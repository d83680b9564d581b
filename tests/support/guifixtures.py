"""The GUI tests' fixtures as one pytest plugin (``pytest_plugins = ["guifixtures"]`` in a test module):
``display`` (one Xvfb with openbox for the session), ``make_window`` (a MainWindow with recording
dialogs; both live in xvfb.py and are only registered here, once) and ``browser``."""

import pytest
from xvfb import display, make_window  # noqa: F401


@pytest.fixture
def browser(standin, monkeypatch):
    """The default browser: it shows Xero's page; browser.allow() is the person pressing Allow access."""
    from actions import Browser

    from xconn_app.core.authorization import PendingAuthorization

    b = Browser(standin)
    monkeypatch.setattr(PendingAuthorization, "open_browser", lambda self: b.open(self.url))
    return b
