"""Export and import of connection definitions and capture profiles (never tokens or grants)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import validate
from .definitions import Definitions
from .errors import InvalidInput, XconnError
from .model import Connection, Profile, current_host, current_user, iso, now
from .text import visible

EXPORT_KIND = "xconn-definitions"
MAX_BYTES = 32_000_000
NOT_AN_EXPORT = "Choose a file made with More > Export… in xconn."


@dataclass
class ImportConflict:
    name: str
    existing_client_id: str
    incoming_client_id: str


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    profiles_added: list[str] = field(default_factory=list)


class Transfer:
    def __init__(self, definitions: Definitions, on_replaced: Callable[[str], None]):
        self.definitions = definitions
        self._on_replaced = on_replaced  # connection id whose tokens belong to another Xero app now

    def export(self, path: str | os.PathLike[str]) -> int:
        data = self.definitions.load()
        names = {c.id: c.name for c in data.connections}
        doc = {
            "kind": EXPORT_KIND,
            "version": 1,
            "exported_at": iso(now()),
            "exported_by": f"{current_user()}@{current_host()}",
            "connections": [
                {
                    "name": c.name,
                    "client_id": c.client_id,
                    "redirect_url": c.redirect_url,
                    "scopes": c.scopes,
                    "tenant_id": c.tenant_id,
                    "tenant_name": c.tenant_name,
                    "tenant_type": c.tenant_type,
                }
                for c in data.connections
            ],
            "profiles": [{"name": p.name, "connection": names.get(p.connection_id, "")} for p in data.profiles],
        }
        try:
            Path(path).write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(
                f"{visible(path)} cannot be written ({exc.strerror or exc}).",
                "Choose another folder, such as Documents.",
            ) from exc
        self.definitions.record("exported", None, f"{len(data.connections)} connection(s) to {path}")
        return len(data.connections)

    @staticmethod
    def read(path: str | os.PathLike[str]) -> dict:
        try:
            p = Path(path)
            if p.stat().st_size > MAX_BYTES:
                raise InvalidInput(f"{visible(path)} is far too big to be an xconn export file.", NOT_AN_EXPORT)
            doc = json.loads(p.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InvalidInput(
                f"{visible(path)} cannot be read ({exc.strerror or exc}).", "Check the file name."
            ) from exc
        except (ValueError, RecursionError) as exc:
            raise InvalidInput(f"{visible(path)} is not an xconn export file.", NOT_AN_EXPORT) from exc
        if (
            not isinstance(doc, dict)
            or doc.get("kind") != EXPORT_KIND
            or not isinstance(doc.get("connections", []), list)
        ):
            raise InvalidInput(f"{visible(path)} is not an xconn export file.", NOT_AN_EXPORT)
        return doc

    def conflicts(self, path: str | os.PathLike[str]) -> list[ImportConflict]:
        doc = self.read(path)
        existing = {c.name.casefold(): c for c in self.definitions.load().connections}
        out = []
        for item in doc.get("connections", []):
            if not isinstance(item, dict):
                continue
            old = existing.get(str(item.get("name", "")).strip().casefold())
            if old and old.client_id != item.get("client_id"):
                out.append(ImportConflict(old.name, old.client_id, str(item.get("client_id"))[:100]))
        return out

    def import_(
        self, path: str | os.PathLike[str], decide: Callable[[ImportConflict], str] | None = None
    ) -> ImportReport:
        """decide(conflict) -> 'skip' | 'replace' | 'rename'; None means skip every conflict."""
        doc = self.read(path)
        report = ImportReport()
        replaced_ids: list[str] = []
        with self.definitions.change("import connections") as (data, record):
            by_name = {c.name.casefold(): c for c in data.connections}
            for item in doc.get("connections", []):
                if not isinstance(item, dict):
                    raise InvalidInput(f"{visible(path)} has an entry that is not a connection.", NOT_AN_EXPORT)
                fresh = _connection(item)
                key = fresh.name.casefold()
                old = by_name.get(key)
                if old is None:
                    data.connections.append(fresh)
                    by_name[key] = fresh
                    report.added.append(fresh.name)
                    continue
                if old.client_id == fresh.client_id:
                    report.unchanged.append(fresh.name)
                    continue
                choice = decide(ImportConflict(old.name, old.client_id, fresh.client_id)) if decide else "skip"
                if choice == "replace":
                    fresh.id, fresh.created_at, fresh.created_by = old.id, old.created_at, old.created_by
                    fresh.definition_changed_at, fresh.definition_changed_by = now(), current_user()
                    data.connections[data.connections.index(old)] = fresh
                    by_name[key] = fresh
                    replaced_ids.append(old.id)
                    report.replaced.append(fresh.name)
                elif choice == "rename":
                    n, new_name = 2, f"{fresh.name} (imported)"
                    while new_name.casefold() in by_name:
                        n, new_name = n + 1, f"{fresh.name} (imported {n})"
                    fresh.name = new_name
                    data.connections.append(fresh)
                    by_name[new_name.casefold()] = fresh
                    report.renamed.append(new_name)
                else:
                    report.skipped.append(fresh.name)
            profiles = {p.name.casefold() for p in data.profiles}
            for item in doc.get("profiles", []):
                if not isinstance(item, dict):
                    continue
                pname = validate.name(str(item.get("name", "")), "profile name")
                if pname.casefold() in profiles:
                    continue
                conn = by_name.get(str(item.get("connection", "")).casefold())
                data.profiles.append(Profile(name=pname, connection_id=conn.id if conn else ""))
                profiles.add(pname.casefold())
                report.profiles_added.append(pname)
            record(
                "imported",
                None,
                f"from {path}: {len(report.added)} added, {len(report.replaced)} replaced, "
                f"{len(report.renamed)} renamed, {len(report.skipped)} skipped",
            )
        for cid in replaced_ids:
            with contextlib.suppress(XconnError):
                self._on_replaced(cid)  # tokens of the old Xero app are useless now
        return report


def _connection(item: dict) -> Connection:
    tenant = {k: str(item.get(k) or "")[:300] for k in ("tenant_id", "tenant_name", "tenant_type")}
    at = now()
    return Connection(
        name=validate.name(str(item.get("name", ""))),
        client_id=validate.client_id(str(item.get("client_id", ""))),
        redirect_url=validate.redirect_url(str(item.get("redirect_url", ""))),
        scopes=validate.scopes(item.get("scopes") or []),
        created_at=at,
        created_by=current_user(),
        updated_at=at,
        updated_by=current_user(),
        definition_changed_at=at,
        definition_changed_by=current_user(),
        **tenant,
    )
