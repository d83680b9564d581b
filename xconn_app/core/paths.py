"""Where the connection list lives, why, and whom to trust there.

``--config-dir`` > ``XCONN_CONFIG_DIR`` (a folder the user chose: the same safety rules, no role
check) > the machine folder whenever it exists and passes the owner and mode checks (Linux
``/var/lib/xconn``, Windows ``%ProgramData%\\xconn``, macOS ``/Library/Application Support/xconn``;
``XCONN_MACHINE_DIR`` overrides it) > the per-user folder, only when the machine folder is missing
or unsafe, with the reason. Nothing here creates the machine folder: only ``xconn setup-machine``
does (see machine.py). The Linux folder is never derived from ``XDG_CONFIG_DIRS``, which Ubuntu
and KDE sessions reorder.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from . import accounts
from .errors import UnsafeLocation
from .safefs import Policy, SafeFolder

APP = "xconn"
ENV_CONFIG_DIR = "XCONN_CONFIG_DIR"
ENV_MACHINE_DIR = "XCONN_MACHINE_DIR"
OLD_LINUX_MACHINE_DIR = Path("/etc/xdg/xconn")  # before 0.2: world-writable, moved by setup-machine

CHOSEN = "chosen"
MACHINE = "machine"
PER_USER = "per-user"


def default_machine_dir() -> Path:
    if os.name == "nt":
        return Path(os.environ.get("PROGRAMDATA") or r"C:\ProgramData") / APP
    if sys.platform == "darwin":
        return Path("/Library/Application Support") / APP
    return Path("/var/lib") / APP


def machine_dir() -> Path:
    override = os.environ.get(ENV_MACHINE_DIR)
    return Path(override).absolute() if override else default_machine_dir()


def user_config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def user_log_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_log_dir(APP, appauthor=False))


def user_state_dir() -> Path:
    """Per-user, per-machine state: grants, token locks, own events, keep-alive, window geometry."""
    import platformdirs

    return Path(platformdirs.user_state_dir(APP, appauthor=False))


# -- whom to trust --------------------------------------------------------------------------------
def _me_or_root(uid: int) -> bool:
    return uid == 0 or uid == os.geteuid()


def _writer(uid: int) -> bool:
    """Who may own files in a list folder: root, this user, or a list administrator."""
    return _me_or_root(uid) or accounts.is_admin_uid(uid)


def _admin_group_gid(gid: int) -> bool:
    return gid == 0 or gid == accounts.admin_gid()


def _own_group(gid: int) -> bool:
    """A chosen folder may be writable for root's or the admins' group, and for a plain user's own
    primary group (Debian's user-private groups with umask 002); never so when running as root."""
    return _admin_group_gid(gid) or (os.geteuid() != 0 and gid == os.getegid())


def machine_policy() -> Policy:
    return Policy(
        folder_owner=lambda uid: uid == 0,
        file_owner=_writer,
        group_write=_admin_group_gid,
        ancestor_owner=lambda uid: uid == 0,
    )


def status_policy() -> Policy:
    """status/: a root-owned sticky drop box inside the machine folder (which the list administrators'
    group may write); each file must belong to the user it is named after (statusboard checks that)."""
    return Policy(
        folder_owner=lambda uid: uid == 0,
        file_owner=lambda uid: True,
        group_write=_admin_group_gid,
        ancestor_owner=lambda uid: uid == 0,
        sticky=True,
    )


def chosen_policy() -> Policy:
    if os.name == "posix" and os.geteuid() == 0:
        # root acts only where no plain user could have changed anything
        return Policy(
            folder_owner=lambda uid: uid == 0 or accounts.is_admin_uid(uid),
            file_owner=_writer,
            group_write=_admin_group_gid,
            ancestor_owner=_writer,
        )
    return Policy(folder_owner=_writer, file_owner=_writer, group_write=_own_group, ancestor_owner=_writer)


def user_policy() -> Policy:
    return Policy(folder_owner=_me_or_root, file_owner=_me_or_root, group_write=_own_group, ancestor_owner=_me_or_root)


@dataclass(frozen=True)
class ListLocation:
    """The folder of the connection list, how it was chosen and why (shown in the window and doctor)."""

    path: Path
    kind: str  # CHOSEN, MACHINE or PER_USER
    reason: str
    how: str = ""  # "--config-dir" / "XCONN_CONFIG_DIR" for chosen folders

    @property
    def machine(self) -> bool:
        return self.kind == MACHINE

    @property
    def scope(self) -> str:  # the words shown to people
        return {MACHINE: "shared by every user of this computer", PER_USER: "this user's own list"}.get(
            self.kind, f"chosen with {self.how}"
        )

    def folder(self) -> SafeFolder:
        policy = {MACHINE: machine_policy, PER_USER: user_policy}.get(self.kind, chosen_policy)()
        return SafeFolder(self.path, policy, what="connection list folder")

    def status_folder(self) -> SafeFolder | None:
        """The sticky folder where users publish their status (machine list only)."""
        return SafeFolder(self.path / "status", status_policy(), what="status folder") if self.machine else None


def _absolute(value: str | os.PathLike) -> Path:
    return Path(os.path.abspath(os.path.expanduser(os.fspath(value))))


def resolve(config_dir: str | os.PathLike | None = None) -> ListLocation:
    """Pick the list folder and say why. Raises UnsafeLocation when root would have to use an unsafe one."""
    if config_dir:
        return ListLocation(_real(config_dir), CHOSEN, "chosen with --config-dir", "--config-dir")
    env = os.environ.get(ENV_CONFIG_DIR)
    if env:
        return ListLocation(_real(env), CHOSEN, f"chosen with {ENV_CONFIG_DIR}", ENV_CONFIG_DIR)
    machine = machine_dir()
    location = ListLocation(machine, MACHINE, "shared by every user of this computer")
    try:
        location.folder().check()
        return location
    except FileNotFoundError:
        why = (
            f"there is no shared connection list on this computer yet ({machine}); "
            "an administrator creates it by installing xconn (or with Diagnose > Repair the shared folder)"
        )
    except UnsafeLocation as exc:
        if accounts.is_root():
            raise UnsafeLocation(
                exc.message + " As an administrator xconn does not use it.", exc.next_step, exc.command
            ) from exc
        why = f"{exc.message} So this user's own list is used until an administrator repairs it ({exc.next_step})"
    except OSError as exc:
        why = f"the shared folder {machine} cannot be read ({exc.strerror or exc})"
    return ListLocation(user_config_dir().resolve(), PER_USER, why)


def _real(value: str | os.PathLike[str]) -> Path:
    """A chosen folder, with the links in the path the user typed resolved once (they chose it); from
    then on the real path is opened without following links."""
    return Path(os.path.realpath(_absolute(value)))
