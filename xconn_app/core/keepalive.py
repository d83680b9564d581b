"""The daily keep-alive: renew every grant of this user before Xero's 60-day unused expiry.

It runs as the user whose tokens it renews (their keyring is reachable only in their session),
never as root: a systemd user timer (installed for every user by the .deb), an XDG autostart
entry where there is no systemd, a launchd agent on macOS, a Task Scheduler task on Windows.
``state()`` says which applies; ``turn_on()`` sets it up for this user alone.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import NotAuthorized, ReauthorizationRequired, XconnError
from .model import Connection, current_host, current_user, now
from .settings import KEEPALIVE_MIN_AGE_HOURS

if TYPE_CHECKING:
    from .grants import GrantStore, UserState
    from .tokens import TokenBroker

log = logging.getLogger("xconn.keepalive")

ON_FOR_EVERYONE, ON_FOR_ME, OFF = "everyone", "me", "off"
UNIT = "xconn-keepalive"
MACOS_LABEL = "com.xconn.keepalive"
WINDOWS_TASK = "xconn keep-alive"
SIGN_IN_LIMIT = (
    "It can renew tokens only while your password store is reachable: sign in to this computer at least every ~55 days."
)


@dataclass
class KeepAliveResult:
    name: str
    outcome: str  # refreshed, fresh, needs_reauthorization, not_authorized, error
    message: str


@dataclass
class KeepAliveState:
    code: str  # ON_FOR_EVERYONE, ON_FOR_ME or OFF
    text: str
    limit: str = ""  # what it cannot do (shown beside the state)


def cli_command() -> list[str]:
    """How to run this xconn's command line from a timer."""
    if getattr(sys, "frozen", False):
        exe = Path(sys.executable)
        sibling = exe.with_name("xconn-cli" + exe.suffix)
        return [str(sibling if sibling.exists() else exe)]
    return [sys.executable, "-m", "xconn_app"]


def _home() -> Path:
    return Path(os.path.expanduser("~"))


def _xdg_config() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or _home() / ".config")


class KeepAlive:
    def __init__(
        self,
        connections: Callable[[], list[Connection]],
        grants: GrantStore,
        broker: TokenBroker,
        state_store: UserState,
        on_event: Callable[[str, Connection | None, str], None],
        system_root: Path = Path("/"),
    ) -> None:
        self._connections = connections
        self.grants = grants
        self.broker = broker
        self.state_store = state_store
        self._on_event = on_event
        self.root = system_root

    # -- running it -------------------------------------------------------------------------------------
    def run(self, min_age_hours: float = KEEPALIVE_MIN_AGE_HOURS) -> list[KeepAliveResult]:
        """Renew every connection of this user not renewed in the last min_age_hours."""
        results = []
        grants = self.grants.all()
        for conn in self._connections():
            grant = grants.get(conn.id)
            if grant is None:
                results.append(KeepAliveResult(conn.name, "not_authorized", "not authorized for this user"))
                continue
            age_h = (now() - grant.last_used) / 3600
            if age_h < min_age_hours and not grant.needs_reauthorization:
                results.append(KeepAliveResult(conn.name, "fresh", f"renewed {age_h:.0f} h ago"))
                continue
            try:
                self.broker.access_token(conn, force_refresh=True)
                results.append(KeepAliveResult(conn.name, "refreshed", "renewed; good for another 60 days"))
            except ReauthorizationRequired as exc:
                results.append(KeepAliveResult(conn.name, "needs_reauthorization", exc.message))
            except NotAuthorized as exc:
                results.append(KeepAliveResult(conn.name, "not_authorized", exc.message))
            except XconnError as exc:
                results.append(KeepAliveResult(conn.name, "error", str(exc)))
        record = {
            "at": now(),
            "user": current_user(),
            "host": current_host(),
            "results": {r.name: r.outcome for r in results},
        }
        try:
            self.state_store.write_keepalive(record)
        except XconnError as exc:
            log.warning("could not record the keep-alive run: %s", exc)
        self._on_event("keep-alive ran", None, ", ".join(f"{r.name}: {r.outcome}" for r in results)[:500])
        return results

    def last_run(self) -> dict | None:
        return self.state_store.read_keepalive()

    # -- is it on? ----------------------------------------------------------------------------------------
    def state(self) -> KeepAliveState:
        if os.name == "nt":
            return self._windows_state()
        if sys.platform == "darwin":
            mine = _home() / "Library/LaunchAgents" / f"{MACOS_LABEL}.plist"
            everyone = self.root / "Library/LaunchAgents" / f"{MACOS_LABEL}.plist"
            return self._state(everyone.exists(), mine.exists())
        unit_dirs = ("etc/systemd/user", "usr/lib/systemd/user", "lib/systemd/user")
        everyone = (
            any((self.root / d / "timers.target.wants" / f"{UNIT}.timer").exists() for d in unit_dirs[:1])
            or (self.root / "etc/xdg/autostart" / f"{UNIT}.desktop").exists()
        )
        mine = (_xdg_config() / "systemd/user/timers.target.wants" / f"{UNIT}.timer").exists() or (
            _xdg_config() / "autostart" / f"{UNIT}.desktop"
        ).exists()
        return self._state(everyone, mine)

    @staticmethod
    def _state(everyone: bool, mine: bool) -> KeepAliveState:
        if everyone:
            return KeepAliveState(
                ON_FOR_EVERYONE, "The daily keep-alive is on for every user of this computer.", SIGN_IN_LIMIT
            )
        if mine:
            return KeepAliveState(ON_FOR_ME, "The daily keep-alive is on for you.", SIGN_IN_LIMIT)
        return KeepAliveState(
            OFF, "The daily keep-alive is off for you: connections not used for 60 days stop working."
        )

    def _windows_state(self) -> KeepAliveState:
        try:
            out = subprocess.run(["schtasks", "/Query", "/TN", WINDOWS_TASK], capture_output=True, timeout=20)
            on = out.returncode == 0
        except (OSError, subprocess.SubprocessError):
            on = False
        return self._state(on, False)

    # -- turning it on for this user ----------------------------------------------------------------------
    def turn_on(self) -> str:
        """Set up the daily keep-alive for this user; returns what was done, in words."""
        command = [*cli_command(), "refresh", "--all"]
        if os.name == "nt":
            line = subprocess.list2cmdline(command)
            subprocess.run(
                ["schtasks", "/Create", "/F", "/SC", "DAILY", "/ST", "12:00", "/TN", WINDOWS_TASK, "/TR", line],
                check=True,
                capture_output=True,
                timeout=30,
            )
            return "The daily keep-alive now runs at noon for you (Task Scheduler)."
        if sys.platform == "darwin":
            return self._turn_on_launchd(command)
        if shutil.which("systemctl") and _user_systemd_running():
            return self._turn_on_systemd(command)
        return self._turn_on_autostart(command)

    def _turn_on_systemd(self, command: list[str]) -> str:
        folder = _xdg_config() / "systemd/user"
        folder.mkdir(parents=True, exist_ok=True)
        exec_line = " ".join(_systemd_quote(c) for c in command)
        (folder / f"{UNIT}.service").write_text(
            "[Unit]\nDescription=xconn: renew Xero connections before they expire\n\n"
            f"[Service]\nType=oneshot\nExecStart={exec_line}\nNice=10\n",
            encoding="utf-8",
        )
        (folder / f"{UNIT}.timer").write_text(
            "[Unit]\nDescription=xconn daily keep-alive\n\n[Timer]\nOnCalendar=daily\nRandomizedDelaySec=1h\n"
            "Persistent=true\n\n[Install]\nWantedBy=timers.target\n",
            encoding="utf-8",
        )
        subprocess.run(["systemctl", "--user", "daemon-reload"], capture_output=True, timeout=30)
        subprocess.run(
            ["systemctl", "--user", "enable", "--now", f"{UNIT}.timer"], check=True, capture_output=True, timeout=30
        )
        return "The daily keep-alive is now on for you (a systemd user timer)."

    def _turn_on_autostart(self, command: list[str]) -> str:
        folder = _xdg_config() / "autostart"
        folder.mkdir(parents=True, exist_ok=True)
        exec_line = " ".join(_desktop_quote(c) for c in command)
        (folder / f"{UNIT}.desktop").write_text(
            "[Desktop Entry]\nType=Application\nName=xconn keep-alive\n"
            "Comment=Renews Xero connections before they expire\n"
            f"Exec={exec_line}\nNoDisplay=true\nX-GNOME-Autostart-enabled=true\n",
            encoding="utf-8",
        )
        return "The keep-alive now runs each time you sign in to this computer."

    def _turn_on_launchd(self, command: list[str]) -> str:
        import plistlib

        target = _home() / "Library/LaunchAgents" / f"{MACOS_LABEL}.plist"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(
            plistlib.dumps(
                {
                    "Label": MACOS_LABEL,
                    "ProgramArguments": command,
                    "StartCalendarInterval": {"Hour": 12, "Minute": 0},
                    "RunAtLoad": False,
                    "ProcessType": "Background",
                    "LowPriorityIO": True,
                    "Nice": 10,
                }
            )
        )
        subprocess.run(["launchctl", "load", "-w", str(target)], capture_output=True, timeout=20)
        return "The daily keep-alive is now on for you (a launchd agent)."


def _user_systemd_running() -> bool:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if not runtime:
        return False
    return Path(runtime, "systemd").is_dir()


def _systemd_quote(arg: str) -> str:
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") + '"'


def _desktop_quote(arg: str) -> str:
    if not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
        return arg.replace("%", "%%")
    return (
        '"'
        + arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$").replace("%", "%%")
        + '"'
    )
