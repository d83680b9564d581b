"""Capture profiles for Service: each one names the connection it uses (PSIcapture's Xero
Migration step); usage of a connection and switching profiles between connections."""

from __future__ import annotations

from . import validate
from .errors import DuplicateName, InvalidInput
from .model import Profile


class ProfileUseCases:
    """Mixed into Service (which provides registry, load, _find, _find_profile, audit)."""

    # -- profiles --------------------------------------------------------------------------
    def profiles(self) -> list[Profile]:
        return self.load().profiles

    def add_profile(self, name, connection=None) -> Profile:
        name = validate.name(name, "profile name")
        with self.registry.transaction() as data:
            if any(p.name.casefold() == name.casefold() for p in data.profiles):
                raise DuplicateName(f"A capture profile called '{name}' already exists.", "Choose another name.")
            conn_id = self._find(data, connection).id if connection else ""
            profile = Profile(name=name, connection_id=conn_id)
            data.profiles.append(profile)
        self.audit("profile added", None, f"{name}")
        return profile

    def rename_profile(self, key, new_name) -> Profile:
        new_name = validate.name(new_name, "profile name")
        with self.registry.transaction() as data:
            profile = self._find_profile(data, key)
            if any(p.id != profile.id and p.name.casefold() == new_name.casefold() for p in data.profiles):
                raise DuplicateName(f"A capture profile called '{new_name}' already exists.", "Choose another name.")
            old, profile.name = profile.name, new_name
        self.audit("profile renamed", None, f"{old} -> {new_name}")
        return profile

    def delete_profile(self, key) -> None:
        with self.registry.transaction() as data:
            profile = self._find_profile(data, key)
            data.profiles = [p for p in data.profiles if p.id != profile.id]
        self.audit("profile deleted", None, profile.name)

    def set_profile_connection(self, key, connection) -> Profile:
        with self.registry.transaction() as data:
            profile = self._find_profile(data, key)
            conn = self._find(data, connection) if connection else None
            profile.connection_id = conn.id if conn else ""
        self.audit("profile switched", conn, f"{profile.name} now uses {conn.name if conn else 'no connection'}")
        return profile

    def usage(self, key) -> list[Profile]:
        data = self.load()
        conn = self._find(data, key)
        return [p for p in data.profiles if p.connection_id == conn.id]

    def switch_profiles(self, from_key, to_key, profile_names=None) -> list[str]:
        """Move all (or the named) profiles from one connection to another; returns their names."""
        with self.registry.transaction() as data:
            src, dst = self._find(data, from_key), self._find(data, to_key)
            if src.id == dst.id:
                raise InvalidInput("Both connections are the same.", "Choose another connection to switch to.")
            chosen = None
            if profile_names:
                chosen = {self._find_profile(data, n).id for n in profile_names}
                wrong = [p.name for p in data.profiles if p.id in chosen and p.connection_id != src.id]
                if wrong:
                    raise InvalidInput(f"These profiles do not use '{src.name}': {', '.join(wrong)}.",
                                       "Pick profiles from the Usage list.")
            moved = []
            for p in data.profiles:
                if p.connection_id == src.id and (chosen is None or p.id in chosen):
                    p.connection_id = dst.id
                    moved.append(p.name)
        if moved:
            self.audit("profiles switched", src, f"{len(moved)} to {dst.name}: {', '.join(moved[:20])}")
        return moved
