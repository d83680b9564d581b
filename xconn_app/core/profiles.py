"""Capture profiles: each names the connection it uses (PSIcapture's Xero Migration step); the usage
of a connection, and switching profiles between connections (with what undoing it takes)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import validate
from .definitions import Definitions
from .errors import DuplicateName, InvalidInput
from .model import Connection, Profile
from .text import visible


@dataclass
class SwitchResult:
    """What a switch did, so that the window can offer Undo and say when the organisation changes."""

    moved: list[str] = field(default_factory=list)  # profile names
    moved_ids: list[str] = field(default_factory=list)
    source_id: str = ""
    target_id: str = ""
    source_name: str = ""
    target_name: str = ""
    source_org: str = ""
    target_org: str = ""

    @property
    def changes_organisation(self) -> bool:
        return self.source_org != self.target_org


class ProfileBook:
    def __init__(self, definitions: Definitions):
        self.definitions = definitions

    def list(self) -> list[Profile]:
        return self.definitions.load().profiles

    def add(self, name: str, connection: str | Connection | None = None) -> Profile:
        name = validate.name(name, "profile name")
        with self.definitions.change("add capture profiles") as (data, record):
            if any(p.name.casefold() == name.casefold() for p in data.profiles):
                raise DuplicateName(f"A capture profile called '{name}' already exists.", "Choose another name.")
            conn = self.definitions.find(data, connection) if connection else None
            profile = Profile(name=name, connection_id=conn.id if conn else "")
            data.profiles.append(profile)
            record("profile added", conn, name)
        return profile

    def rename(self, key: str, new_name: str) -> Profile:
        new_name = validate.name(new_name, "profile name")
        with self.definitions.change("rename capture profiles") as (data, record):
            profile = self.definitions.find_profile(data, key)
            if any(p.id != profile.id and p.name.casefold() == new_name.casefold() for p in data.profiles):
                raise DuplicateName(f"A capture profile called '{new_name}' already exists.", "Choose another name.")
            old, profile.name = profile.name, new_name
            record("profile renamed", None, f"{old} -> {new_name}")
        return profile

    def delete(self, key: str) -> None:
        with self.definitions.change("delete capture profiles") as (data, record):
            profile = self.definitions.find_profile(data, key)
            data.profiles = [p for p in data.profiles if p.id != profile.id]
            record("profile deleted", None, profile.name)

    def set_connection(self, key: str, connection: str | Connection | None) -> Profile:
        with self.definitions.change("change which connection a profile uses") as (data, record):
            profile = self.definitions.find_profile(data, key)
            previous = next((c for c in data.connections if c.id == profile.connection_id), None)
            conn = self.definitions.find(data, connection) if connection else None
            profile.connection_id = conn.id if conn else ""
            record(
                "profile switched",
                conn,
                f"{profile.name} now uses {conn.name if conn else 'no connection'}"
                + (f" (was {previous.name})" if previous else ""),
            )
        return profile

    def usage(self, key: str | Connection) -> builtins.list[Profile]:  # builtins: list is a method here
        data = self.definitions.load()
        conn = self.definitions.find(data, key)
        return [p for p in data.profiles if p.connection_id == conn.id]

    def switch(
        self, from_key: str | Connection, to_key: str | Connection, profile_names: Sequence[str] | None = None
    ) -> SwitchResult:
        """Move all (or the named) profiles from one connection to another."""
        with self.definitions.change("switch capture profiles") as (data, record):
            src, dst = self.definitions.find(data, from_key), self.definitions.find(data, to_key)
            if src.id == dst.id:
                raise InvalidInput("Both connections are the same.", "Choose another connection to switch to.")
            chosen = None
            if profile_names:
                chosen = {self.definitions.find_profile(data, n).id for n in profile_names}
                wrong = [p.name for p in data.profiles if p.id in chosen and p.connection_id != src.id]
                if wrong:
                    raise InvalidInput(
                        f"These profiles do not use '{visible(src.name)}': {visible(', '.join(wrong))}.",
                        "Pick profiles from the Usage list.",
                    )
            result = SwitchResult(
                source_id=src.id,
                target_id=dst.id,
                source_name=src.name,
                target_name=dst.name,
                source_org=src.tenant_name,
                target_org=dst.tenant_name,
            )
            for p in data.profiles:
                if p.connection_id == src.id and (chosen is None or p.id in chosen):
                    p.connection_id = dst.id
                    result.moved.append(p.name)
                    result.moved_ids.append(p.id)
            if result.moved:
                record(
                    "profiles switched",
                    src,
                    f"{len(result.moved)} from {src.name} to {dst.name}: "
                    + ", ".join(result.moved[:20])
                    + ("…" if len(result.moved) > 20 else ""),
                )
        return result

    def undo_switch(self, result: SwitchResult) -> builtins.list[str]:
        """Move the profiles of a switch back where they were (those still on the target)."""
        with self.definitions.change("switch capture profiles") as (data, record):
            src = self.definitions.find(data, result.source_id)
            back = []
            for p in data.profiles:
                if p.id in result.moved_ids and p.connection_id == result.target_id:
                    p.connection_id = src.id
                    back.append(p.name)
            if back:
                record(
                    "profiles switched back",
                    src,
                    f"{len(back)} from {result.target_name} back to {src.name} (undo): " + ", ".join(back[:20]),
                )
        return back
