"""Where the registry lives: --config-dir > XCONN_CONFIG_DIR > per-machine dir > per-user dir."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP = "xconn"
ENV_CONFIG_DIR = "XCONN_CONFIG_DIR"


@dataclass(frozen=True)
class ConfigLocation:
    path: Path
    scope: str  # "command line", "environment", "per-machine", "per-user"
    reason: str

    @property
    def registry_file(self) -> Path:
        return self.path / "connections.json"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        import tempfile  # imported here: not needed with --config-dir / XCONN_CONFIG_DIR

        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-", delete=True):
            pass
        return True
    except OSError:
        return False


def site_config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.site_config_dir(APP, appauthor=False, multipath=False))


def user_config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def user_log_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_log_dir(APP, appauthor=False))


def user_state_dir() -> Path:
    """Per-user, per-machine UI state (window geometry); not the registry."""
    import platformdirs

    return Path(platformdirs.user_state_dir(APP, appauthor=False))


def resolve(config_dir: str | os.PathLike | None = None) -> ConfigLocation:
    """Pick the registry folder and say why it was chosen."""
    if config_dir:
        return ConfigLocation(Path(config_dir).expanduser().resolve(), "command line", "chosen with --config-dir")
    env = os.environ.get(ENV_CONFIG_DIR)
    if env:
        return ConfigLocation(Path(env).expanduser().resolve(), "environment", f"chosen with {ENV_CONFIG_DIR}")
    machine = site_config_dir()
    if _writable(machine):
        return ConfigLocation(machine, "per-machine", "shared by every user of this computer")
    user = user_config_dir()
    return ConfigLocation(
        user,
        "per-user",
        f"the shared folder {machine} is not writable for this user, so this user's own folder is used; "
        "reinstall xconn (the installer makes the shared folder writable) to share connections",
    )
