"""xconn: keeps Xero OAuth 2.0 connections alive for document-capture profiles.

Capture profiles use :func:`open_session` or :func:`access_token` to talk to Xero.
"""

__version__ = "0.1.0"


def open_session(connection=None, profile=None, *, config_dir=None):
    """Return a ``requests.Session`` for Xero that refreshes its token by itself.

    Args: connection (name or id) or profile (name); config_dir overrides the registry folder.
    Raises: xconn_app.core.errors.XconnError subclasses with a plain message.
    """
    from .core.service import Service

    return Service(config_dir).open_session(connection=connection, profile=profile)


def access_token(connection=None, profile=None, *, config_dir=None):
    """Return a valid access token for a connection or a capture profile."""
    from .core.service import Service

    return Service(config_dir).access_token(connection=connection, profile=profile)
