"""Each user's connection status, published for the others (help-desk staff must see whether the
account that runs capture has a working grant).

``status/`` in the machine folder is a root-owned sticky (1777) drop box. Each user writes only
``status/<key>.json`` (``uid-1000`` or a Windows SID) with no secrets in it; the sticky bit stops
anyone from replacing another user's file. Readers accept a file only when it is a regular file
with one link, owned by the user its name says, and small.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass

from . import accounts
from .errors import XconnError
from .model import now
from .safefs import SafeFolder
from .text import visible

log = logging.getLogger("xconn.status")

MAX_BYTES = 4_000_000
KEY_RE = re.compile(r"^(uid-[0-9]{1,10}|S-1-[0-9]{1,3}(-[0-9]{1,10}){1,15})$")


@dataclass
class OtherStatus:
    user: str
    updated_at: float
    connections: dict[str, dict]  # connection id -> {"status", "text", "last_refresh", "authorized_at"}


class StatusBoard:
    def __init__(self, folder: SafeFolder | None):
        self.folder = folder
        self._last: bytes | None = None

    def publish(self, entries: dict[str, dict]) -> None:
        """Write this user's status file (only when it changed); failures are logged, never raised."""
        if self.folder is None:
            return
        me = accounts.me()
        doc = {"user": me.name, "key": me.key, "updated_at": now(), "connections": entries}
        body = json.dumps({**doc, "updated_at": 0}, sort_keys=True).encode()
        if body == self._last:
            return
        try:
            self.folder.write(f"{me.key}.json", json.dumps(doc, ensure_ascii=False).encode("utf-8"), 0o644)
            self._last = body
        except (OSError, XconnError) as exc:
            log.warning("could not publish this user's status: %s", exc)

    def others(self) -> list[OtherStatus]:
        """Every other user's published status that can be trusted."""
        if self.folder is None:
            return []
        try:
            names = self.folder.names()
        except (OSError, XconnError):
            return []
        me = accounts.me()
        out = []
        for name in sorted(names)[:10_000]:
            key = name[:-5] if name.endswith(".json") else ""
            if not KEY_RE.match(key) or key == me.key:
                continue
            item = self._read(name, key)
            if item:
                out.append(item)
        return out

    def _read(self, name: str, key: str) -> OtherStatus | None:
        folder = self.folder
        if folder is None:
            return None
        try:
            st = folder.stat(name)
            if st is None:
                return None
            if os.name == "posix" and (not key.startswith("uid-") or st.st_uid != int(key[4:])):
                log.warning("ignored status file %s: it is not owned by the user it names", visible(name))
                return None
            raw = folder.read(name, MAX_BYTES)
            if os.name == "posix":
                st2 = folder.stat(name)
                if st2 is None or st2.st_ino != st.st_ino:
                    return None
            doc = json.loads(raw or b"")
        except (OSError, ValueError, RecursionError, XconnError) as exc:
            log.warning("ignored status file %s: %s", visible(name), exc)
            return None
        if not isinstance(doc, dict) or not isinstance(doc.get("connections"), dict):
            return None
        updated = doc.get("updated_at")
        user = doc.get("user")
        if os.name == "posix":
            user = accounts.user_name(int(key[4:]))  # from the file's owner, not from what it says
        conns = {cid: v for cid, v in doc["connections"].items() if isinstance(cid, str) and isinstance(v, dict)}
        return OtherStatus(
            user=str(user)[:100],
            updated_at=float(updated) if isinstance(updated, (int, float)) else 0.0,
            connections=conns,
        )
