"""xconn: keeps Xero OAuth 2.0 connections alive for document-capture profiles.

Capture profiles use :func:`open_session` or :func:`access_token` to talk to Xero.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    import os

    from .core.session import XeroSession


def open_session(
    connection: str | None = None, profile: str | None = None, *, config_dir: str | os.PathLike[str] | None = None
) -> XeroSession:
    """Return a ``requests.Session`` for Xero that refreshes its token by itself.

    Args: connection (name or id) or profile (name); config_dir overrides the registry folder.
    Raises: xconn_app.core.errors.XconnError subclasses with a plain message.
    """
    from .core.service import Service

    return Service(config_dir).open_session(connection=connection, profile=profile)


def access_token(
    connection: str | None = None, profile: str | None = None, *, config_dir: str | os.PathLike[str] | None = None
) -> str:
    """Return a valid access token for a connection or a capture profile."""
    from .core.service import Service

    return Service(config_dir).access_token(connection=connection, profile=profile)


def __getattr__(name: str) -> str:
    """``__version__`` comes from the installed package's metadata (pyproject.toml is the one
    source; the frozen app bundles the metadata). Read on first use: importlib.metadata is not
    needed to open the window."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("xconn")
    except PackageNotFoundError:  # a source tree that was never installed (pip install -e .)
        found = "0+unknown"
    globals()["__version__"] = found
    return found
