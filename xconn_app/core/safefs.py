"""Files in folders that someone else may be able to write: never follow a link, never trust a stranger.

The machine-wide list folder is shared by every user of the computer, so everything in it is
hostile input. A :class:`SafeFolder` is opened the way systemd's ``chase()`` and OpenSSH's
``StrictModes`` do it: every folder from ``/`` down is opened with ``O_NOFOLLOW | O_DIRECTORY``
and checked (owner, no group/world write unless sticky), then every file is opened relative to
that folder's descriptor with ``O_NOFOLLOW`` and checked with ``fstat`` (a regular file, one
link, an owner we trust, not writable by everyone). New content is written to a fresh temporary
name (``O_CREAT | O_EXCL``), given its mode with ``fchmod`` (never the umask), flushed and renamed
into place. Names are never built from unvalidated data.

On Windows (no ``O_NOFOLLOW``/``dir_fd``) reparse points are refused and the folder's ACL, set by
``xconn setup-machine``, does the rest; the owner of a file is checked where the API allows.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import COMMAND_REPAIR, STEP_REPAIR, RegistryBusy, RegistryUnwritable, UnsafeLocation
from .text import visible

POSIX = os.name == "posix"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO planted under a file's name must not hang us
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
NAME_RE = re.compile(r"^\.?[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")


class FileTooBig(UnsafeLocation):
    title = "File too big"

    def __init__(self, message: str, next_step: str = "", size: int = 0):
        super().__init__(message, next_step)
        self.size = size


def check_name(name: str) -> str:
    """A file name inside a safe folder: letters, digits, '.', '_' and '-', no separators, no '..'."""
    if not NAME_RE.match(name) or ".." in name:
        raise ValueError(f"not a safe file name: {name!r}")
    return name


def _human(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} KB"


@dataclass(frozen=True)
class Policy:
    """Whom to trust in one folder.

    folder_owner / file_owner: uids allowed to own the folder / its files;
    group_write: gids allowed to have write access to the folder (g+w);
    ancestor_owner: uids allowed to own the folders above it.
    """

    folder_owner: Callable[[int], bool]
    file_owner: Callable[[int], bool]
    group_write: Callable[[int], bool]
    ancestor_owner: Callable[[int], bool]
    sticky: bool = False  # the folder is a sticky drop box (status/): world-writable with +t is right


def _describe_mode(st: os.stat_result) -> str:
    return f"{stat.filemode(st.st_mode)} owned by {_owner_name(st.st_uid)}"


def _owner_name(uid: int) -> str:
    from .accounts import user_name

    return user_name(uid)


class SafeFolder:
    """One folder whose files are read and written without following links or trusting strangers."""

    def __init__(self, path: Path | str, policy: Policy, *, what: str = "folder"):
        self.path = Path(path)
        self.policy = policy
        self.what = what

    def __repr__(self) -> str:
        return f"SafeFolder({str(self.path)!r})"

    # -- the folder ---------------------------------------------------------------------------
    def _unsafe(self, detail: str, fix: str = "") -> UnsafeLocation:
        return UnsafeLocation(
            f"xconn does not trust the {self.what} {visible(self.path)}: {detail}.",
            fix or STEP_REPAIR,
            "" if fix else COMMAND_REPAIR,
        )

    def _check_ancestor(self, st: os.stat_result, where: str) -> None:
        if not stat.S_ISDIR(st.st_mode):
            raise self._unsafe(f"{visible(where)} is not a folder")
        writable_by_others = (
            st.st_mode & 0o002 or (st.st_mode & 0o020 and not self.policy.group_write(st.st_gid))
        ) and not st.st_mode & stat.S_ISVTX
        if not self.policy.ancestor_owner(st.st_uid) or writable_by_others:
            raise self._unsafe(
                f"the folder above it, {visible(where)}, is {_describe_mode(st)}, so others could swap what is inside"
            )

    def check_folder_stat(self, st: os.stat_result) -> None:
        if not stat.S_ISDIR(st.st_mode):
            raise self._unsafe("it is not a folder")
        if not self.policy.folder_owner(st.st_uid):
            raise self._unsafe(f"it is {_describe_mode(st)}")
        if self.policy.sticky:
            if not st.st_mode & stat.S_ISVTX:
                raise self._unsafe(
                    f"it is {_describe_mode(st)} without the sticky bit, so anyone could replace another user's file"
                )
            return
        if st.st_mode & 0o002:
            raise self._unsafe(f"it is {_describe_mode(st)}: every user of this computer could change it")
        if st.st_mode & 0o020 and not self.policy.group_write(st.st_gid):
            raise self._unsafe(
                f"it is {_describe_mode(st)} and writable for a group that is not the list administrators'"
            )

    @contextlib.contextmanager
    def open(self) -> Iterator[int | None]:
        """A descriptor of the folder, reached without following any link (None on Windows)."""
        if not POSIX:
            self._check_windows(self.path)
            yield None
            return
        parts = self.path.parts
        if not self.path.is_absolute():
            raise self._unsafe("its path is not absolute")
        fd = os.open("/", os.O_RDONLY | _DIRECTORY | _CLOEXEC)
        try:
            walked = "/"
            for i, part in enumerate(parts[1:], start=1):
                st = os.fstat(fd)
                self._check_ancestor(st, walked)
                try:
                    nfd = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
                except OSError as exc:
                    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                        raise self._unsafe(f"{visible(os.path.join(walked, part))} is a link or not a folder") from exc
                    raise
                os.close(fd)
                fd = nfd
                walked = str(Path(*parts[: i + 1]))
            self.check_folder_stat(os.fstat(fd))
            yield fd
        finally:
            os.close(fd)

    def exists(self) -> bool:
        try:
            os.lstat(self.path)
            return True
        except FileNotFoundError:
            return False
        except NotADirectoryError as exc:
            raise self._unsafe("a part of its path is not a folder") from exc

    def check(self) -> None:
        """Raise UnsafeLocation (or FileNotFoundError) unless the folder and those above it are safe."""
        with self.open():
            pass

    def _check_windows(self, path: Path) -> None:
        from . import winsec

        probe = path
        while True:
            if winsec.is_reparse_point(str(probe)):
                raise self._unsafe(f"{visible(probe)} is a link (reparse point)")
            if probe.parent == probe:
                break
            probe = probe.parent

    # -- files --------------------------------------------------------------------------------
    def _check_file(self, fd: int, name: str, *, writing: bool = False) -> os.stat_result:
        st = os.fstat(fd)
        where = visible(self.path / name)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeLocation(f"{where} is not a regular file.", "Ask IT to remove it.")
        if st.st_nlink != 1:
            raise UnsafeLocation(
                f"{where} has {st.st_nlink} names (hard links), so writing it could change another file.",
                "Ask IT to remove it; xconn writes a new one.",
            )
        if not self.policy.file_owner(st.st_uid):
            raise UnsafeLocation(
                f"{where} belongs to {_owner_name(st.st_uid)}, who is not allowed to change it.",
                STEP_REPAIR,
                COMMAND_REPAIR,
            )
        if st.st_mode & 0o002:
            raise UnsafeLocation(
                f"{where} can be changed by every user of this computer.",
                STEP_REPAIR,
                COMMAND_REPAIR,
            )
        return st

    @contextlib.contextmanager
    def _reading(self, name: str) -> Iterator[tuple[int, os.stat_result] | None]:
        """(descriptor, its stat) of a file opened for reading and checked; None when it does not exist."""
        check_name(name)
        with self.open() as dfd:
            try:
                fd = self._open_file(name, os.O_RDONLY, dfd)
            except FileNotFoundError:
                yield None
                return
            try:
                yield fd, (self._check_file(fd, name) if POSIX else os.fstat(fd))
            finally:
                os.close(fd)

    def read(self, name: str, limit: int) -> bytes | None:
        """The file's bytes, or None when it does not exist. FileTooBig past ``limit`` bytes."""
        with self._reading(name) as opened:
            if opened is None:
                return None
            fd, st = opened
            if st.st_size > limit:
                raise FileTooBig(
                    f"{visible(self.path / name)} is {_human(st.st_size)}, more than xconn reads "
                    f"({_human(limit)}); it was left unchanged.",
                    "Ask IT to check that file: it is far bigger than a connection list can be.",
                    size=st.st_size,
                )
            chunks, total = [], 0
            while total <= limit:
                chunk = os.read(fd, min(1 << 20, limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            if total > limit:
                raise FileTooBig(
                    f"{visible(self.path / name)} grew past {_human(limit)} while being read.",
                    "Try again; ask IT to check the file if this repeats.",
                    size=total,
                )
            return b"".join(chunks)

    def read_tail(self, name: str, limit: int) -> tuple[bytes, bool] | None:
        """The last ``limit`` bytes of a file and whether that is all of it; None when missing."""
        with self._reading(name) as opened:
            if opened is None:
                return None
            fd, st = opened
            start = max(0, st.st_size - limit)
            os.lseek(fd, start, os.SEEK_SET)
            data = b""
            while len(data) < limit:
                chunk = os.read(fd, limit - len(data))
                if not chunk:
                    break
                data += chunk
            return data, start == 0

    def _open_file(self, name: str, flags: int, dfd: int | None, mode: int = 0o600) -> int:
        flags |= _CLOEXEC | _NONBLOCK | _NOFOLLOW
        if dfd is None:
            path = str(self.path / name)
            from . import winsec

            if winsec.is_reparse_point(path):
                raise UnsafeLocation(f"{visible(path)} is a link (reparse point).", "Ask IT to remove it.")
            return os.open(path, flags | getattr(os, "O_BINARY", 0), mode)
        try:
            return os.open(name, flags, mode, dir_fd=dfd)
        except OSError as exc:
            if exc.errno == errno.ELOOP or (exc.errno == errno.EMLINK and sys_is_bsd()):
                raise UnsafeLocation(
                    f"{visible(self.path / name)} is a link; xconn never follows links in this folder.",
                    "Ask IT to remove the link.",
                ) from exc
            if exc.errno == errno.ENXIO:  # a FIFO without a writer, opened for writing
                raise UnsafeLocation(
                    f"{visible(self.path / name)} is not a regular file.", "Ask IT to remove it."
                ) from exc
            raise

    def write(self, name: str, data: bytes, mode: int = 0o664) -> None:
        """Replace ``name`` atomically: fresh temp file, fchmod, fsync, rename, fsync the folder."""
        check_name(name)
        with self.open() as dfd:
            tmp = f".{name}.{os.urandom(6).hex()}.tmp"
            fd = self._open_file(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, dfd, 0o600)
            try:
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view) :]
                    if POSIX:
                        os.fchmod(fd, mode)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                if dfd is None:
                    os.replace(self.path / tmp, self.path / name)
                else:
                    os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
                    os.fsync(dfd)
            except BaseException:
                with contextlib.suppress(OSError):
                    self._unlink(tmp, dfd)
                raise

    def append(self, name: str, data: bytes, mode: int = 0o664) -> None:
        """Append one record (a single write, so concurrent appenders never interleave a line)."""
        check_name(name)
        with self.open() as dfd:
            fd = self._open_file(name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, dfd, 0o600)
            try:
                if POSIX:
                    st = self._check_file(fd, name, writing=True)
                    if st.st_size == 0 and st.st_uid == os.geteuid():
                        os.fchmod(fd, mode)
                os.write(fd, data)
            finally:
                os.close(fd)

    def unlink(self, name: str) -> bool:
        check_name(name)
        with self.open() as dfd:
            try:
                self._unlink(name, dfd)
                return True
            except FileNotFoundError:
                return False

    def _unlink(self, name: str, dfd: int | None) -> None:
        if dfd is None:
            os.unlink(self.path / name)
        else:
            os.unlink(name, dir_fd=dfd)

    def rename(self, src: str, dst: str) -> None:
        check_name(src)
        check_name(dst)
        with self.open() as dfd:
            if dfd is None:
                os.replace(self.path / src, self.path / dst)
            else:
                os.rename(src, dst, src_dir_fd=dfd, dst_dir_fd=dfd)

    def names(self) -> list[str]:
        """Names of the entries (unchecked: callers validate each before use)."""
        with self.open() as dfd:
            return os.listdir(dfd if dfd is not None else self.path)

    def stat(self, name: str) -> os.stat_result | None:
        check_name(name)
        with self.open() as dfd:
            try:
                if dfd is None:
                    return os.lstat(self.path / name)
                return os.stat(name, dir_fd=dfd, follow_symlinks=False)
            except FileNotFoundError:
                return None

    @contextlib.contextmanager
    def lock(self, name: str, timeout: float, mode: int = 0o660) -> Iterator[None]:
        """An exclusive lock between processes (flock on a file only the folder's writers can open)."""
        check_name(name)
        with self.open() as dfd:
            fd = self._open_file(name, os.O_RDWR | os.O_CREAT, dfd, mode)
        try:
            if POSIX:
                st = self._check_file(fd, name)
                if st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) != mode:
                    os.fchmod(fd, mode)
            _acquire(fd, timeout)
            try:
                yield
            finally:
                _release(fd)
        finally:
            os.close(fd)


def sys_is_bsd() -> bool:
    return sys.platform.startswith(("darwin", "freebsd", "openbsd", "netbsd"))


class LockTimeout(Exception):
    pass


def _acquire(fd: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            if sys.platform == "win32":  # os.name == "nt" (spelled so that type checkers know the platform)
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, errno.EDEADLK):
                raise
        if time.monotonic() >= deadline:
            raise LockTimeout()
        time.sleep(delay)
        delay = min(0.05, delay * 2)


def _release(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


def unwritable(folder: Path, exc: OSError, what: str = "The connection list") -> RegistryUnwritable:
    """A plain error for a failed write (disk full, no permission, ...)."""
    if exc.errno == errno.ENOSPC:
        return RegistryUnwritable(
            f"{what} in {visible(folder)} cannot be saved: the disk is full.",
            "Free some disk space and try again. Nothing was changed.",
        )
    return RegistryUnwritable(
        f"{what} in {visible(folder)} cannot be saved: {exc.strerror or exc}.",
        "Ask IT to check that folder's permissions. Nothing was changed.",
    )


def busy(what: str = "the connection list") -> RegistryBusy:
    return RegistryBusy(
        f"Another xconn window or program is changing {what} right now.", "Wait a moment and try again."
    )
