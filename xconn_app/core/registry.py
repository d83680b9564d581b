"""The JSON registry: atomic saves, a cross-process lock and a schema version.

A file that does not parse is kept aside under a new name and reported, never emptied silently.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .errors import RegistryBusy, RegistryCorrupt, RegistryTooNew, RegistryUnwritable
from .model import Connection, Profile

SCHEMA = 1
LOCK_TIMEOUT = 15.0


@dataclass
class RegistryData:
    connections: list[Connection] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)
    schema: int = SCHEMA
    extra: dict = field(default_factory=dict)

    def to_json(self) -> str:
        """One connection or profile per line. json.dumps(indent=...) runs the pure-Python encoder
        (10,000 connections: 0.7 s); without indent the C encoder does each line."""
        encode = json.JSONEncoder(ensure_ascii=False).encode
        head = {"schema": SCHEMA, **{k: v for k, v in self.extra.items() if k not in ("connections", "profiles")}}
        lines = ["{"] + [f" {encode(k)}: {encode(v)}," for k, v in head.items()]
        for key, items, last in (("connections", self.connections, False), ("profiles", self.profiles, True)):
            body = ",\n  ".join(encode(item.to_dict()) for item in items)
            lines.append(f' "{key}": [' + (f"\n  {body}\n ]" if body else "]") + ("" if last else ","))
        lines.append("}")
        return "\n".join(lines)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Registry:
    """connections.json in one folder, guarded by connections.json.lock."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / "connections.json"
        self.lock_path = self.folder / "connections.json.lock"
        self._lock = None

    # -- locking ---------------------------------------------------------------------------
    def _filelock(self):
        if self._lock is None:
            from filelock import FileLock

            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise self._unwritable(exc) from None
            self._lock = FileLock(str(self.lock_path), timeout=LOCK_TIMEOUT, mode=0o666)
        return self._lock

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        from filelock import Timeout

        lock = self._filelock()
        try:
            lock.acquire()
        except Timeout:
            raise RegistryBusy(
                "Another xconn window or program is changing the connection list right now.",
                "Wait a moment and try again.",
            ) from None
        except OSError as exc:
            raise self._unwritable(exc) from None
        try:
            yield
        finally:
            lock.release()

    # -- reading ---------------------------------------------------------------------------
    def load(self) -> RegistryData:
        """Read the registry (no lock needed: saves replace the file atomically)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return RegistryData()
        except OSError as exc:
            raise RegistryUnwritable(
                f"The connection list {self.path} cannot be read ({exc.strerror or exc}).",
                "Check that this user may read that folder, or ask IT to fix its permissions.",
            ) from None
        try:
            with _no_gc():
                doc = json.loads(raw.decode("utf-8"))
            if not isinstance(doc, dict):
                raise ValueError("the top level is not an object")
            schema = int(doc.get("schema", 0))
            if schema > SCHEMA:
                raise RegistryTooNew(
                    f"The connection list {self.path} was written by a newer version of xconn "
                    f"(format {schema}; this version understands up to {SCHEMA}).",
                    "Install the newer xconn on this computer. Nothing was changed.",
                )
            with _no_gc():
                conns = [Connection.from_dict(c) for c in doc.get("connections", [])]
                profiles = [Profile.from_dict(p) for p in doc.get("profiles", [])]
        except RegistryTooNew:
            raise
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            kept = self._keep_aside()
            raise RegistryCorrupt(
                f"The connection list {self.path} is damaged and could not be read ({_short(exc)}). "
                f"It was kept, unchanged, as {kept}.",
                "Send that file to your IT support to repair it, or add the connections again. "
                "xconn now starts with an empty list.",
                kept_as=str(kept),
            ) from None
        extra = {k: v for k, v in doc.items() if k not in ("schema", "connections", "profiles")}
        return RegistryData(conns, profiles, schema=SCHEMA, extra=extra)

    def _keep_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"connections.damaged-{stamp}.json")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"connections.damaged-{stamp}-{n}.json")
        try:
            os.replace(self.path, target)
        except OSError:
            return self.path  # could not move it: it stays where it is, still untouched
        return target

    # -- writing ---------------------------------------------------------------------------
    def save(self, data: RegistryData) -> None:
        """Write atomically: temp file in the same folder, fsync, replace."""
        with _no_gc():
            text = data.to_json()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            import tempfile  # imported here: start-up only reads

            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".connections-", suffix=".tmp")
        except OSError as exc:
            raise self._unwritable(exc) from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(OSError):
                os.chmod(tmp, 0o664)
            os.replace(tmp, self.path)
            _fsync_dir(self.folder)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise self._unwritable(exc) from None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[RegistryData]:
        """Read-modify-write under the cross-process lock; saved only if the block succeeds."""
        with self.locked():
            self._remove_stale_temp_files()
            data = self.load()
            yield data
            self.save(data)

    def _remove_stale_temp_files(self) -> None:
        """Temp files left by a writer killed mid-save (we hold the lock: no save is under way)."""
        try:
            for tmp in self.folder.glob(".connections-*.tmp"):
                with contextlib.suppress(OSError):
                    tmp.unlink()
        except OSError:
            pass

    def _unwritable(self, exc: OSError) -> RegistryUnwritable:
        import errno

        if exc.errno == errno.ENOSPC:
            what = "the disk is full"
            step = "Free some disk space and try again. The connection list was not changed."
        else:
            what = exc.strerror or str(exc)
            step = (
                "Ask IT to make that folder writable for this user (the installer does this), "
                "or choose another folder with --config-dir. The connection list was not changed."
            )
        return RegistryUnwritable(f"The connection list in {self.folder} cannot be saved: {what}.", step)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """No cyclic garbage collection while a big registry is parsed or encoded: those make only
    acyclic objects, and the full collections they set off cost 10,000 connections 50-70 ms."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 120 else text[:117] + "..."
