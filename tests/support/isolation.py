"""One set of environment variables that keeps xconn away from the real machine: the registry,
the test file keyring, logs and window state all in one folder (tests and bench/ use it)."""

from __future__ import annotations

from pathlib import Path

KEYRING_BACKEND = "filekeyring.FileKeyring"  # tests/support/filekeyring.py, on PYTHONPATH


def isolated_env(folder: Path) -> dict[str, str]:
    folder = Path(folder)
    return {
        "XCONN_CONFIG_DIR": str(folder / "config"),
        "XCONN_TEST_KEYRING": str(folder / "keyring.json"),
        "XCONN_LOG_DIR": str(folder / "logs"),
        "XDG_STATE_HOME": str(folder / "state"),
        "XDG_CONFIG_HOME": str(folder / "userconfig"),
        "PYTHON_KEYRING_BACKEND": KEYRING_BACKEND,
    }
