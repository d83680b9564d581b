"""Rotating log file in the per-user log dir; every line passes a redactor first."""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import OrderedDict
from pathlib import Path

MAX_KNOWN = 256  # the newest secrets seen; older ones are long dead (access tokens live 30 minutes)
_known: OrderedDict[str, None] = OrderedDict()
_known_lock = threading.Lock()
_PATTERNS = [
    re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),  # JWTs
    re.compile(
        r"(?i)((?:access_token|refresh_token|id_token|code|code_verifier|token|state)[\"']?\s*[=:]\s*[\"']?)[^\s&\"',;]+"
    ),
    re.compile(r"(?i)(Bearer\s+)[^\s\"',;]+"),
]


def remember_secret(*values: str) -> None:
    """Register secrets so that any log line containing them is redacted."""
    with _known_lock:
        for value in values:
            if value and len(value) >= 8:
                _known[value] = None
                _known.move_to_end(value)
        while len(_known) > MAX_KNOWN:
            _known.popitem(last=False)


def redact(text: str) -> str:
    with _known_lock:
        known = list(_known)
    for secret in known:
        if secret in text:
            text = text.replace(secret, "[redacted]")
    text = _PATTERNS[0].sub("[redacted]", text)
    for pattern in _PATTERNS[1:]:
        text = pattern.sub(lambda m: m.group(1) + "[redacted]", text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info:
            import traceback

            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
        return True


class _LazyFileHandler(logging.Handler):
    """A RotatingFileHandler opened at the first line logged: importing logging.handlers (pickle,
    socket, queue...) cost every `xconn token` and every window start time, and most log nothing."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self._file: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._file is None:
            from logging.handlers import RotatingFileHandler

            try:
                self._file = RotatingFileHandler(self.path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
            except OSError:
                self._file = logging.NullHandler()
            self._file.setFormatter(self.formatter)
        self._file.emit(record)  # self.handle() filtered (redacted) it and holds the lock

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


_configured: Path | None = None


def setup(log_dir: str | os.PathLike[str] | None = None) -> Path:
    """Log to <user log dir>/xconn.log (rotating); returns the file's path."""
    global _configured
    from .paths import user_log_dir

    folder = Path(log_dir) if log_dir else user_log_dir()
    path = folder / "xconn.log"
    if _configured == path:
        return path
    root = logging.getLogger("xconn")
    root.setLevel(logging.INFO)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = _LazyFileHandler(path)
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.propagate = False
    for name in ("requests_oauthlib", "oauthlib", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
    _configured = path
    return path


def log_path() -> Path | None:
    return _configured
