"""The definitions store: looks up connections and profiles, and is the one way to change them.

Every change goes through :meth:`Definitions.change`, which refuses people who are not list
administrators (for the machine-wide list), runs under the list's lock, and writes the change's
history entries before the lock is released, so the history's hash chain has one writer at a time.
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Callable, Iterator

from .accounts import Role
from .errors import DuplicateName, NotAllowed, NotFound
from .history import History, entry
from .model import Connection, Profile
from .paths import ListLocation
from .registry import Registry, RegistryData
from .text import visible


class Definitions:
    def __init__(self, location: ListLocation, registry: Registry, history: History, role: Callable[[], Role]):
        self.location = location
        self.registry = registry
        self.history = history
        self._role = role

    # -- reading -----------------------------------------------------------------------------------
    def load(self) -> RegistryData:
        return self.registry.load(keep_aside=self.may_change())

    @staticmethod
    def find(data: RegistryData, key: str | Connection) -> Connection:
        if isinstance(key, Connection):
            key = key.id
        key = unicodedata.normalize("NFC", (key or "").strip())  # names are saved in NFC
        for c in data.connections:
            if c.id == key:
                return c
        folded = key.casefold()
        for c in data.connections:
            if c.name.casefold() == folded:
                return c
        raise NotFound(
            f"There is no connection called '{visible(key, 100)}'.",
            "Check the name in the Connections list.",
            command="xconn list",
        )

    @staticmethod
    def find_profile(data: RegistryData, key: str) -> Profile:
        folded = unicodedata.normalize("NFC", (key or "").strip()).casefold()
        for p in data.profiles:
            if p.id == key or p.name.casefold() == folded:
                return p
        raise NotFound(
            f"There is no capture profile called '{visible(key, 100)}'.",
            "Check the name on the Profiles tab.",
            command="xconn profile list",
        )

    @staticmethod
    def check_unique(data: RegistryData, name: str, own_id: str | None = None) -> None:
        folded = name.casefold()
        for c in data.connections:
            if c.id != own_id and c.name.casefold() == folded:
                raise DuplicateName(
                    f"A connection called '{visible(c.name)}' already exists.", "Choose another display name."
                )

    # -- who may change it --------------------------------------------------------------------------
    def role(self) -> Role:
        if not self.location.machine:  # a chosen or per-user folder: no role check (issue 10)
            return Role(True, f"This connection list is {self.location.scope}, so you can change it.")
        return self._role()

    def may_change(self) -> bool:
        return self.role().admin

    def require_admin(self, action: str) -> None:
        role = self.role()
        if not role.admin:
            raise NotAllowed(
                f"Only list administrators can {action}. {role.reason}",
                role.how_to_become_admin(),
                role.admin_command(),
            )

    # -- changing it --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def change(self, action: str) -> Iterator[tuple[RegistryData, Callable[..., None]]]:
        """(data, record) under the lock; saved, and the recorded history written, when the block succeeds.

        record(what, connection=None, detail="") notes one history entry.
        """
        self.require_admin(action)
        entries: list[dict] = []

        def record(what: str, connection: Connection | None = None, detail: str = "") -> None:
            entries.append(entry(what, connection, detail))

        with self.registry.locked():
            self.registry._remove_stale_temp_files()
            data = self.registry.load()
            if data.legacy_grants:
                self.registry.save_legacy_grants(data.legacy_grants)
            yield data, record
            self.registry.save(data)
            for item in entries:
                self.history.append_locked(item)

    def record(self, what: str, connection: Connection | None = None, detail: str = "") -> None:
        """A history entry outside a change (export): written only by those who may change the list."""
        if self.may_change():
            self.history.append(entry(what, connection, detail))
