"""``xconn setup-machine``: create or repair the machine-wide list folder, its group and modes, and
move a list from the old world-writable folder (``/etc/xdg/xconn``) into it.

Run as root / an elevated administrator only (the installers run it). Linux: group ``xconn``,
folder ``root:xconn 2775``, files ``0664``, ``status/`` ``root 1777``. macOS: the ``admin``
group, the same modes. Windows: local group ``xconn-admins``; ACL SYSTEM and Administrators full,
the group Modify, Users Read & execute (``status\\``: Users may add files, each owner modifies its
own), no CREATOR OWNER rights on the folder, owner Administrators.

The old folder is hostile input: files are read without following links, size-capped and checked
like any list; only validated definitions and profiles are imported; old history entries are kept
marked "from before the upgrade, unverified"; old per-user grants go to ``legacy-grants.json``
(root-written) for each user's xconn to claim; then the old folder is removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import accounts, paths
from .errors import InvalidInput, NotAllowed, UnsafeLocation, XconnError
from .history import History
from .registry import FILE, Registry, RegistryData, parse
from .safefs import Policy, SafeFolder
from .text import visible

USER_RE = re.compile(r"^[A-Za-z0-9._][A-Za-z0-9._@ -]{0,63}$")


@dataclass
class SetupReport:
    done: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.done.append(text)


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def setup_machine(
    add_admin: str | None = None, migrate_from: Path | None = None, folder: Path | None = None
) -> SetupReport:
    if not accounts.is_root():
        raise NotAllowed(
            "Setting up the shared connection list needs administrator rights.",
            "Run it as an administrator (in the window: Diagnose > Repair the shared folder).",
            "sudo xconn setup-machine",
        )
    if add_admin is not None and not USER_RE.match(add_admin):
        raise InvalidInput(f"'{visible(add_admin, 64)}' is not a user name.", "Give the login name of the user.")
    report = SetupReport()
    target = folder or paths.machine_dir()
    if os.name == "nt":
        _windows(target, add_admin, report)
    else:
        gid = _posix_group(add_admin, report)
        _posix_folder(target, gid, report)
    accounts.reset_caches()
    old = migrate_from or (paths.OLD_LINUX_MACHINE_DIR if sys.platform.startswith("linux") else None)
    if old is not None and (old.exists() or old.is_symlink()):
        migrate(old, target, report)
    return report


# -- POSIX ------------------------------------------------------------------------------------------
def _posix_group(add_admin: str | None, report: SetupReport) -> int:
    import grp
    import pwd

    group = accounts.admin_group()
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        if sys.platform == "darwin":
            raise XconnError(
                f"The group '{group}' does not exist on this Mac.", "Name another with XCONN_ADMIN_GROUP."
            ) from None
        done = _run(["groupadd", "--system", group])
        if done.returncode != 0:
            raise XconnError(
                f"The group '{group}' could not be created: {done.stderr.strip()}",
                "Create the group yourself and run setup-machine again.",
                f"groupadd --system {group}",
            ) from None
        gid = grp.getgrnam(group).gr_gid
        report.say(f"Created the group '{group}' of list administrators.")
    if add_admin:
        try:
            account = pwd.getpwnam(add_admin)
        except KeyError:
            raise InvalidInput(f"There is no user '{add_admin}' on this computer.", "Check the login name.") from None
        members = grp.getgrgid(gid).gr_mem
        if add_admin in members or account.pw_gid == gid:
            report.say(f"{add_admin} is already a list administrator.")
        elif sys.platform == "darwin":
            report.warnings.append(
                f"{add_admin} is not in the group 'admin'. Make them an administrator in System "
                "Settings > Users & Groups to let them change the connection list."
            )
        else:
            done = _run(["usermod", "-a", "-G", group, add_admin])
            if done.returncode != 0:
                raise XconnError(
                    f"{add_admin} could not be added to '{group}': {done.stderr.strip()}",
                    "Add them to the group yourself.",
                    f"usermod -a -G {group} {add_admin}",
                )
            report.say(
                f"Added {add_admin} to '{group}'. They must sign out and back in before they can change "
                "the connection list."
            )
    return gid


def _check_parents(target: Path) -> None:
    for parent in reversed(target.parents):
        st = os.lstat(parent)
        if stat.S_ISLNK(st.st_mode) or st.st_uid != 0 or (st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX):
            raise UnsafeLocation(
                f"The folder {visible(parent)} above {visible(target)} is "
                f"{stat.filemode(st.st_mode)} owned by {accounts.user_name(st.st_uid)}.",
                "Choose a folder whose parents belong to root and only root can change.",
            )


def _posix_folder(target: Path, gid: int, report: SetupReport) -> None:
    _check_parents(target)
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        os.mkdir(target, 0o700)
        st = os.lstat(target)
        report.say(f"Created {target}.")
    if stat.S_ISDIR(st.st_mode):
        _check_is_ours(target)
    if not stat.S_ISDIR(st.st_mode):
        aside = _aside_name(target)
        os.rename(target, aside)
        report.warnings.append(f"{target} was not a folder (a link or a file); it was moved to {aside}.")
        os.mkdir(target, 0o700)
    fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        st = os.fstat(fd)
        if (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) != (0, gid, 0o2775):
            os.fchown(fd, 0, gid)
            os.fchmod(fd, 0o2775)
            report.say(f"{target} now belongs to root and the list administrators (mode 2775).")
        _repair_entries(fd, target, gid, report)
    finally:
        os.close(fd)


XCONN_NAMES = frozenset({"connections.json", "history.jsonl", "status", ".connections.lock", "legacy-grants.json"})


def _check_is_ours(target: Path) -> None:
    """Refuse to re-own and re-mode a folder that is not xconn's: XCONN_MACHINE_DIR (or a mistake) could
    name /etc or a home folder, and making that group-writable would hand it to the group."""
    names = set(os.listdir(target))
    if names and not names & XCONN_NAMES:
        raise UnsafeLocation(
            f"{visible(target)} is not empty and holds nothing of xconn's, so setup-machine will not change its "
            "owner or modes.",
            "Choose an empty or new folder for the shared connection list (XCONN_MACHINE_DIR), or the default one.",
        )


def _aside_name(path: Path) -> Path:
    return path.with_name(f"{path.name}.untrusted-{time.strftime('%Y%m%d-%H%M%S')}")


def _repair_entries(dfd: int, target: Path, gid: int, report: SetupReport) -> None:
    """Files a non-administrator owns, links and extra hard links are moved aside, never trusted."""
    names = os.listdir(dfd)
    if "status" not in names:
        _status_folder(dfd, target, None, report)
    for name in names:
        st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
        if name == "status":
            _status_folder(dfd, target, st, report)
            continue
        if (
            stat.S_ISLNK(st.st_mode)
            or (stat.S_ISREG(st.st_mode) and (st.st_nlink != 1 or not accounts.is_admin_uid(st.st_uid)))
            or not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode))
        ):
            aside = f"{name}.untrusted-{time.strftime('%Y%m%d-%H%M%S')}"
            if name.startswith("."):
                os.unlink(name, dir_fd=dfd)
                continue
            os.rename(name, aside, src_dir_fd=dfd, dst_dir_fd=dfd)
            report.warnings.append(
                f"{target / name} could have been changed by someone who is not a list "
                f"administrator; it was moved aside to {target / aside} and is no longer used."
            )
            continue
        if stat.S_ISREG(st.st_mode):
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dfd)
            try:
                mode = 0o660 if name.endswith(".lock") else 0o664
                if (os.fstat(fd).st_gid, stat.S_IMODE(os.fstat(fd).st_mode)) != (gid, mode):
                    os.fchown(fd, -1, gid)
                    os.fchmod(fd, mode)
            finally:
                os.close(fd)


def _status_folder(dfd: int, target: Path, st: os.stat_result | None, report: SetupReport) -> None:
    if st is not None and not stat.S_ISDIR(st.st_mode):
        aside = f"status.untrusted-{time.strftime('%Y%m%d-%H%M%S')}"
        os.rename("status", aside, src_dir_fd=dfd, dst_dir_fd=dfd)
        report.warnings.append(f"{target / 'status'} was not a folder; it was moved aside to {target / aside}.")
        st = None
    if st is None:
        os.mkdir("status", 0o700, dir_fd=dfd)
    fd = os.open("status", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dfd)
    try:
        now_st = os.fstat(fd)
        if (now_st.st_uid, now_st.st_gid, stat.S_IMODE(now_st.st_mode)) != (0, 0, 0o1777):
            os.fchown(fd, 0, 0)
            os.fchmod(fd, 0o1777)
            report.say(f"{target / 'status'} is the sticky folder where each user publishes their status (mode 1777).")
    finally:
        os.close(fd)


def ensure_status_folder(target: Path) -> None:
    fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        try:
            st = os.stat("status", dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            st = None
        _status_folder(fd, target, st, SetupReport())
    finally:
        os.close(fd)


# -- Windows ----------------------------------------------------------------------------------------
def _windows(target: Path, add_admin: str | None, report: SetupReport) -> None:
    from . import winsec

    group = accounts.admin_group()
    if winsec.group_sid(group) is None:
        done = _run(["net", "localgroup", group, "/add", "/comment:xconn list administrators"])
        if done.returncode != 0:
            raise XconnError(
                f"The group '{group}' could not be created: {done.stderr.strip() or done.stdout.strip()}",
                "Create the group yourself and run setup-machine again.",
                f"net localgroup {group} /add",
            )
        report.say(f"Created the local group '{group}' of list administrators.")
    if add_admin:
        done = _run(["net", "localgroup", group, add_admin, "/add"])
        if done.returncode == 0:
            report.say(f"Added {add_admin} to '{group}'. They must sign out and back in first.")
        elif "1378" in (done.stderr + done.stdout):  # already a member
            report.say(f"{add_admin} is already a list administrator.")
        else:
            raise XconnError(
                f"{add_admin} could not be added to '{group}': {(done.stderr or done.stdout).strip()}",
                "Add them to the group yourself.",
                f"net localgroup {group} {add_admin} /add",
            )
    if winsec.is_reparse_point(str(target)):
        raise UnsafeLocation(f"{target} is a link (reparse point).", "Remove it and run setup-machine again.")
    target.mkdir(parents=True, exist_ok=True)
    (target / "status").mkdir(exist_ok=True)
    admins, system, users = "*" + accounts.SID_ADMINISTRATORS, "*" + accounts.SID_SYSTEM, "*S-1-5-32-545"
    steps = [
        ["icacls", str(target), "/setowner", admins, "/T", "/C", "/Q"],
        ["icacls", str(target), "/reset", "/T", "/C", "/Q"],
        [
            "icacls",
            str(target),
            "/inheritance:r",
            "/grant:r",
            f"{system}:(OI)(CI)F",
            f"{admins}:(OI)(CI)F",
            f"{group}:(OI)(CI)M",
            f"{users}:(OI)(CI)RX",
            "/Q",
        ],
        [
            "icacls",
            str(target / "status"),
            "/inheritance:r",
            "/grant:r",
            f"{system}:(OI)(CI)F",
            f"{admins}:(OI)(CI)F",
            f"{users}:(RX,WD)",
            "*S-1-3-0:(OI)(IO)M",
            "/Q",
        ],
    ]
    for args in steps:
        done = _run(args)
        if done.returncode != 0:
            raise XconnError(
                f"The permissions of {target} could not be set: {(done.stderr or done.stdout).strip()}",
                "Run setup-machine again from an elevated prompt.",
            )
    report.say(f"{target}: SYSTEM and Administrators full control, '{group}' modify, Users read.")


# -- moving an old list in --------------------------------------------------------------------------
def _hostile_policy() -> Policy:
    """The old folder was writable by everyone: read it, trust nothing in it."""
    anyone = lambda _id: True  # noqa: E731
    return Policy(folder_owner=anyone, file_owner=anyone, group_write=anyone, ancestor_owner=anyone, sticky=False)


class _OldFolder(SafeFolder):
    def check_folder_stat(self, st: os.stat_result) -> None:
        if not stat.S_ISDIR(st.st_mode):
            raise self._unsafe("it is not a folder")

    def _check_file(self, fd: int, name: str, *, writing: bool = False) -> os.stat_result:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
            raise UnsafeLocation(f"{visible(self.path / name)} is not a plain file.", "It was not imported.")
        return st


def migrate(old: Path, target: Path, report: SetupReport) -> None:
    if old.is_symlink():
        report.warnings.append(f"{old} is a link; nothing was imported from it and it was removed.")
        old.unlink()
        return
    source = _OldFolder(old, _hostile_policy(), what="old connection list folder")
    try:
        raw = source.read(FILE, 32_000_000)
    except (OSError, XconnError) as exc:
        report.warnings.append(
            f"The old list {old / FILE} could not be read safely "
            f"({exc.message if isinstance(exc, XconnError) else exc}); the old folder was kept."
        )
        return
    old_data = RegistryData()
    if raw:
        try:
            old_data = parse(raw)
        except (ValueError, RecursionError, XconnError) as exc:
            report.warnings.append(
                f"The old list {old / FILE} is damaged ({visible(str(exc), 200)}); nothing was "
                f"imported and the old folder {old} was kept for IT to look at."
            )
            return
    location = paths.ListLocation(target, paths.MACHINE, "shared by every user of this computer")
    registry = Registry(location)
    history = History(registry)
    added = 0
    with registry.locked():
        data = registry.load(keep_aside=True)
        ids = {c.id for c in data.connections} | {p.id for p in data.profiles}
        names = {c.name.casefold() for c in data.connections}
        for conn in old_data.connections:
            if conn.id in ids:
                continue
            if conn.name.casefold() in names:
                conn.name = f"{conn.name} (moved)"
            names.add(conn.name.casefold())
            data.connections.append(conn)
            added += 1
        known = {c.id for c in data.connections}
        for profile in old_data.profiles:
            if profile.id not in ids:
                if profile.connection_id not in known:
                    profile.connection_id = ""
                data.profiles.append(profile)
        if old_data.legacy_grants:
            registry.save_legacy_grants(old_data.legacy_grants)
        registry.save(data)
        _import_history(source, history)
        history.append_locked(
            {
                "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "ts": time.time(),
                "user": "root",
                "uid": 0,
                "host": "",
                "what": "moved the list",
                "connection": "",
                "connection_id": "",
                "detail": f"{added} connection(s) and {len(old_data.profiles)} profile(s) from {old}",
            }
        )
    report.say(f"Moved {added} connection(s) and {len(old_data.profiles)} capture profile(s) from {old} to {target}.")
    if old_data.legacy_grants:
        report.say(
            "Each user's earlier authorizations are kept for them; their xconn takes them over at its next start."
        )
    try:
        shutil.rmtree(old)
        report.say(f"Removed the old folder {old}.")
    except OSError as exc:
        report.warnings.append(f"The old folder {old} could not be removed ({exc.strerror or exc}).")


def _import_history(source: SafeFolder, history: History) -> None:
    with contextlib.suppress(OSError, XconnError):
        got = source.read_tail("history.jsonl", 8_000_000)
        if not got:
            return
        for line in got[0].decode("utf-8", "replace").splitlines()[-20000:]:
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if not isinstance(doc, dict):
                continue
            entry = {
                k: str(doc.get(k, ""))[:1000]
                for k in ("at", "user", "host", "what", "connection", "connection_id", "detail")
            }
            history.append_locked({**entry, "ts": 0, "legacy": True})
