"""A keyring backend for tests: one JSON file (XCONN_TEST_KEYRING), safe across processes.

Select it with PYTHON_KEYRING_BACKEND=filekeyring.FileKeyring (tests/support on
PYTHONPATH). Values over 1,000 characters are refused, like Windows Credential Manager.
"""

from __future__ import annotations

import json
import os
import tempfile

from filelock import FileLock
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError, PasswordSetError


class FileKeyring(KeyringBackend):
    priority = 1

    @property
    def path(self) -> str:
        return os.environ.get("XCONN_TEST_KEYRING") or os.path.join(tempfile.gettempdir(), "xconn-test-keyring.json")

    def _read(self) -> dict:
        try:
            with open(self.path, encoding="utf-8") as fh:
                return json.load(fh)
        except FileNotFoundError:
            return {}

    def _write(self, data: dict) -> None:
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def _lock(self):
        return FileLock(self.path + ".lock", timeout=30)

    def get_password(self, service, username):
        with self._lock():
            return self._read().get(f"{service}\x00{username}")

    def set_password(self, service, username, password):
        if len(password) > 1000:
            raise PasswordSetError("The stub received bad data (value over 1,000 characters)")
        with self._lock():
            data = self._read()
            data[f"{service}\x00{username}"] = password
            self._write(data)

    def delete_password(self, service, username):
        with self._lock():
            data = self._read()
            if data.pop(f"{service}\x00{username}", None) is None:
                raise PasswordDeleteError("not found")
            self._write(data)


class BrokenKeyring(KeyringBackend):
    """Every call fails, like a locked or crashed password store."""

    priority = 1

    def get_password(self, service, username):
        raise RuntimeError("store locked")

    def set_password(self, service, username, password):
        raise RuntimeError("store locked")

    def delete_password(self, service, username):
        raise RuntimeError("store locked")
