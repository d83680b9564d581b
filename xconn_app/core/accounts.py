"""Who is running xconn and what they may do with the machine-wide connection list.

*List administrators* change definitions and capture profiles: root (Windows: an elevated
Administrator) and the members of the list-administrators group (Linux ``xconn``, macOS ``admin``,
Windows ``xconn-admins``). Everyone else reads the list, authorizes for themselves and gets tokens.
The role comes from the process's *effective* groups, so a membership added after sign-in is not
active yet: that case is recognised and the user is told to sign out and back in.
``XCONN_ADMIN_GROUP`` names another group (tests use a group of their own).
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass

ENV_ADMIN_GROUP = "XCONN_ADMIN_GROUP"
WINDOWS_GROUP = "xconn-admins"
# Well-known SIDs (Windows): built-in principals are matched by SID, never by (localised) name.
SID_SYSTEM = "S-1-5-18"
SID_ADMINISTRATORS = "S-1-5-32-544"


def admin_group() -> str:
    named = os.environ.get(ENV_ADMIN_GROUP, "").strip()
    if named:
        return named
    if os.name == "nt":
        return WINDOWS_GROUP
    return "admin" if sys.platform == "darwin" else "xconn"


@dataclass(frozen=True)
class Identity:
    """The OS account running this process."""

    name: str
    uid: int | None  # POSIX
    sid: str | None  # Windows
    key: str  # names this user's files in shared folders: "uid-1000" or the SID

    def __str__(self) -> str:
        return self.name


@functools.lru_cache(maxsize=1)
def me() -> Identity:
    """Looked up once: every status needs it (getpass.getuser() cost a 10,000-row table 70 ms)."""
    if os.name == "nt":
        from . import winsec

        sid = winsec.current_user_sid()
        return Identity(_login_name(), None, sid, sid or "unknown")
    uid = os.geteuid()
    try:
        import pwd

        name = pwd.getpwuid(uid).pw_name
    except (KeyError, ImportError):
        name = _login_name()
    return Identity(name, uid, None, f"uid-{uid}")


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name (some services, containers)
        return "unknown"


def is_root() -> bool:
    """root on POSIX; an elevated Administrator token on Windows."""
    if os.name == "nt":
        from . import winsec

        return winsec.is_elevated()
    return os.geteuid() == 0


@functools.lru_cache(maxsize=1)
def admin_gid() -> int | None:
    """The list-administrators group's id (POSIX), None when the group does not exist."""
    if os.name == "nt":
        return None
    import grp

    try:
        return grp.getgrnam(admin_group()).gr_gid
    except KeyError:
        return None


@functools.lru_cache(maxsize=256)
def is_admin_uid(uid: int) -> bool:
    """True for root and for members of the list-administrators group (primary or supplementary).

    Used to decide whose files in a shared folder can be trusted: files there may be written by
    any list administrator, never by anyone else.
    """
    if uid == 0:
        return True
    gid = admin_gid()
    if gid is None:
        return False
    import grp
    import pwd

    try:
        account = pwd.getpwuid(uid)
    except KeyError:
        return False
    if account.pw_gid == gid:
        return True
    try:
        return account.pw_name in grp.getgrgid(gid).gr_mem
    except KeyError:
        return False


def user_name(uid: int | None) -> str:
    if uid is None:
        return "unknown"
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (KeyError, ImportError):
        return f"user {uid}"


@dataclass(frozen=True)
class Role:
    admin: bool
    reason: str  # in plain words, for the window, `doctor` and refusals
    pending: bool = False  # added to the group, but not active in this sign-in yet

    def how_to_become_admin(self) -> str:
        group = admin_group()
        if self.pending:
            return f"You were added to the group '{group}', but that takes effect only after you sign out and back in."
        return (
            f"Ask IT to add you to the {'local ' if os.name == 'nt' else ''}group '{group}', or use Diagnose > "
            "Become a list administrator, which asks for an administrator's password."
        )

    def admin_command(self) -> str:
        """The command an administrator runs to make this user a list administrator."""
        if self.pending:
            return ""
        if os.name == "nt":
            return f'net localgroup {admin_group()} "{me().name}" /add'
        return f"sudo xconn setup-machine --add-admin {me().name}"


def role() -> Role:
    """This process's role for the machine-wide list."""
    group = admin_group()
    if is_root():
        return Role(True, "You are an administrator of this computer, so you can change the connection list.")
    if os.name == "nt":
        from . import winsec

        if winsec.in_group(group):
            return Role(True, f"You are a member of '{group}', so you can change the connection list.")
        return Role(False, f"You can use the connections; only members of '{group}' can change the list.")
    gid = admin_gid()
    if gid is None:
        return Role(
            False,
            f"You can use the connections; the group '{group}' of list administrators does not "
            "exist on this computer yet (installing xconn creates it).",
        )
    if gid == os.getegid() or gid in os.getgroups():
        return Role(True, f"You are a member of the group '{group}', so you can change the connection list.")
    if is_admin_uid(os.geteuid()):
        return Role(
            False,
            f"You were added to the group '{group}', but this sign-in does not have it yet: "
            "sign out and back in to change the list.",
            pending=True,
        )
    return Role(False, f"You can use the connections; only members of the group '{group}' can change the list.")


def reset_caches() -> None:
    """Forget looked-up accounts and groups (tests add users and groups on the fly)."""
    me.cache_clear()
    admin_gid.cache_clear()
    is_admin_uid.cache_clear()
