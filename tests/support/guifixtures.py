"""The GUI tests' fixtures as one pytest plugin (``pytest_plugins = ["guifixtures"]`` in a test module):
``display`` (one Xvfb with openbox for the session) and ``make_window`` (a MainWindow with recording
dialogs). They live in xvfb.py; this module only registers them once, without lint's redefinitions."""

from xvfb import display, make_window  # noqa: F401
