"""Help-desk tools behind service.py: diagnose, keep-alive, export/import of definitions."""

from __future__ import annotations

import json
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InvalidInput, NotAuthorized, ReauthorizationRequired, XconnError
from .model import Connection, Profile, Status, current_host, current_user, iso, now


# -- diagnose ---------------------------------------------------------------------------------
@dataclass
class DoctorCheck:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # works, but needs attention soon

    @property
    def mark(self) -> str:
        return "PASS" if self.ok and not self.warning else ("WARN" if self.ok else "FAIL")


def _check(name, func) -> DoctorCheck:
    try:
        return func()
    except XconnError as exc:
        return DoctorCheck(name, False, exc.message, exc.next_step)
    except Exception as exc:  # a diagnosis must never crash
        return DoctorCheck(name, False, f"The check could not run ({type(exc).__name__}).", "Send this report to support.")


def doctor(service) -> list[DoctorCheck]:
    checks: list[DoctorCheck] = []

    def keyring_check():
        service.store.probe()
        return DoctorCheck("Password store", True, f"Tokens can be saved and read ({service.store.describe()}).")

    checks.append(_check("Password store", keyring_check))

    def folder_check():
        import tempfile

        loc = service.location
        loc.path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=loc.path, prefix=".doctor-"):
            pass
        return DoctorCheck("Connection list folder", True, f"{loc.path} is writable.")

    def folder_failed():
        try:
            return folder_check()
        except OSError as exc:
            return DoctorCheck("Connection list folder", False,
                               f"{service.location.path} cannot be written ({exc.strerror or exc}).",
                               "Ask IT to make it writable for this user (the installer does this), "
                               "or use --config-dir.")

    checks.append(_check("Connection list folder", folder_failed))
    loc = service.location
    shared = loc.scope != "per-user"
    checks.append(DoctorCheck("Shared or per-user", True, f"{loc.scope}: {loc.reason}.",
                              "" if shared else "Reinstall xconn so the shared folder is created for all users.",
                              warning=not shared))

    try:
        data = service.load()
        connections = data.connections
    except XconnError as exc:
        checks.append(DoctorCheck("Connection list", False, exc.message, exc.next_step))
        connections = []

    for port, users in _ports(connections).items():
        checks.append(_check(f"Port {port}", lambda port=port, users=users: _port_check(port, users)))

    checks.append(_check("Xero sign-in service", lambda: _identity_check(service, checks)))
    checks.append(_check("Xero API", lambda: _api_check(service)))

    for conn in connections:
        checks.append(_check(f"Connection '{conn.name}'", lambda conn=conn: _token_check(service, conn)))

    last = keepalive_last_run(service)
    checks.append(DoctorCheck(
        "Daily keep-alive", bool(last) and now() - last["at"] < 3 * 86400,
        f"Last ran {iso(last['at'])} as {last.get('user', '?')}." if last else "Has not run on this computer yet.",
        "" if last and now() - last["at"] < 3 * 86400 else
        "Run 'xconn refresh --all' daily (the installer sets this up), or reinstall xconn."))
    return checks


def _ports(connections: list[Connection]) -> dict[int, list[Connection]]:
    """The connections listening on each redirect port."""
    from urllib.parse import urlsplit

    ports: dict[int, list[Connection]] = {}
    for c in connections:
        try:
            port = urlsplit(c.redirect_url).port
        except ValueError:
            continue
        ports.setdefault(port, []).append(c)
    return ports


def _port_check(port: int, users: list[Connection]) -> DoctorCheck:
    from .loopback import LoopbackReceiver

    names = ", ".join(c.name for c in users)
    receiver = LoopbackReceiver(users[0].redirect_url, "doctor-probe")
    receiver.start()  # raises PortInUse with the fix in it
    receiver.close()
    return DoctorCheck(f"Port {port}", True, f"Free to receive Xero's answer (used by {names}).")


def _identity_check(service, checks) -> DoctorCheck:
    from email.utils import parsedate_to_datetime

    doc, date = service.xero.discovery()
    if not isinstance(doc, dict) or "token_endpoint" not in doc:
        return DoctorCheck("Xero sign-in service", False, "Xero's sign-in settings could not be read.",
                           "Check for a proxy or firewall rewriting https://identity.xero.com.")
    ok = DoctorCheck("Xero sign-in service", True, f"Reachable ({service.endpoints.identity}).")
    if date:
        skew = time.time() - parsedate_to_datetime(date).timestamp()
        checks.append(DoctorCheck(
            "Clock", abs(skew) < 60,
            f"This computer's clock is {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} Xero's.",
            "" if abs(skew) < 60 else "Set the clock to synchronise automatically (Date & time settings).",
        ))
    return ok


def _api_check(service) -> DoctorCheck:
    import requests

    try:
        resp = requests.get(service.endpoints.connections, timeout=(5, 10))
    except requests.RequestException:
        return DoctorCheck("Xero API", False, f"{service.endpoints.api} cannot be reached.",
                           "Check the internet connection, proxy and firewall for api.xero.com.")
    ok = resp.status_code in (200, 401, 403)
    return DoctorCheck("Xero API", ok, f"Reachable ({service.endpoints.api})." if ok else
                       f"{service.endpoints.api} answered with error {resp.status_code}.",
                       "" if ok else "Try again later; see status.xero.com.")


def _token_check(service, conn: Connection) -> DoctorCheck:
    name = f"Connection '{conn.name}'"
    status, text = conn.status()
    if status is Status.NOT_AUTHORIZED:
        return DoctorCheck(name, False, f"{text}.", "Edit the connection and press Authorize.")
    if status is Status.NEEDS_REAUTHORIZATION:
        return DoctorCheck(name, False, "Needs re-authorization: Xero no longer accepts its grant.",
                           "Edit the connection and press Authorize.")
    tokens = service.store.load(conn.id)
    if tokens is None:
        return DoctorCheck(name, False, "Its tokens are missing from this user's password store.",
                           "Edit the connection and press Authorize.")
    if status is Status.EXPIRES_SOON:
        return DoctorCheck(name, True, f"{text}: its refresh token has not been used for a while.",
                           "Run 'xconn refresh --all' (or Check all) to keep it alive.", warning=True)
    return DoctorCheck(name, True, f"{text} ({conn.tenant_name or 'no organisation chosen'}).")


def doctor_report(service, checks: list[DoctorCheck]) -> str:
    from .. import __version__

    lines = [
        f"xconn {__version__} diagnosis, {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"Computer: {current_host()} ({platform.system()} {platform.release()}), user {current_user()}, "
        f"Python {sys.version.split()[0]}",
        f"Connection list: {service.registry.path} ({service.location.scope})",
        "",
    ]
    for c in checks:
        lines.append(f"[{c.mark}] {c.name}: {c.detail}")
        if c.fix and c.mark != "PASS":
            lines.append(f"       Fix: {c.fix}")
    failed = sum(1 for c in checks if not c.ok)
    lines += ["", f"{failed} problem(s) found." if failed else "No problems found."]
    return "\n".join(lines)


# -- keep-alive --------------------------------------------------------------------------------
@dataclass
class KeepAliveResult:
    name: str
    outcome: str  # refreshed, fresh, needs_reauthorization, not_authorized, error
    message: str


def keepalive_path(service) -> Path:
    return service.location.path / "keepalive.json"


def keepalive_last_run(service) -> dict | None:
    try:
        return json.loads(keepalive_path(service).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


MACOS_AGENT_LABEL = "com.xconn.keepalive"


def ensure_macos_keepalive(cli_path, home=None, load: bool | None = None):
    """macOS: register the daily keep-alive as this user's launchd agent, once.

    A .dmg install cannot run scripts, so the app does it at start: it writes
    ~/Library/LaunchAgents/com.xconn.keepalive.plist running `<cli_path> refresh --all` daily (an
    agent runs in the user's session, where the Keychain holding the tokens is reachable) and
    loads it. Nothing is done when an agent is there already (per user or for all users).
    Returns the plist written, or None.
    """
    import plistlib
    import subprocess

    home = Path(home) if home else Path.home()
    target = home / "Library" / "LaunchAgents" / f"{MACOS_AGENT_LABEL}.plist"
    if target.exists() or Path(f"/Library/LaunchAgents/{MACOS_AGENT_LABEL}.plist").exists():
        return None
    agent = {
        "Label": MACOS_AGENT_LABEL,
        "ProgramArguments": [str(cli_path), "refresh", "--all"],
        "StartCalendarInterval": {"Hour": 12, "Minute": 0},
        "RunAtLoad": False,
        "ProcessType": "Background",
        "LowPriorityIO": True,
        "Nice": 10,
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(plistlib.dumps(agent))
    if load if load is not None else sys.platform == "darwin":
        subprocess.run(["launchctl", "load", "-w", str(target)], capture_output=True, timeout=20)
    return target


def refresh_all(service, min_age_hours: float = 20.0) -> list[KeepAliveResult]:
    """Renew every connection of this user not renewed in the last min_age_hours."""
    results = []
    for conn in service.connections():
        grant = conn.grant_for()
        if grant is None:
            results.append(KeepAliveResult(conn.name, "not_authorized", conn.status()[1]))
            continue
        age_h = (now() - max(grant.last_refresh, grant.authorized_at)) / 3600
        if age_h < min_age_hours and not grant.needs_reauthorization:
            results.append(KeepAliveResult(conn.name, "fresh", f"renewed {age_h:.0f} h ago"))
            continue
        try:
            service.access_token(connection=conn.id, force_refresh=True)
            results.append(KeepAliveResult(conn.name, "refreshed", "renewed; good for another 60 days"))
        except ReauthorizationRequired as exc:
            results.append(KeepAliveResult(conn.name, "needs_reauthorization", exc.message))
        except NotAuthorized as exc:
            results.append(KeepAliveResult(conn.name, "not_authorized", exc.message))
        except XconnError as exc:
            results.append(KeepAliveResult(conn.name, "error", str(exc)))
    record = {"at": now(), "user": current_user(), "host": current_host(),
              "results": {r.name: r.outcome for r in results}}
    try:
        keepalive_path(service).write_text(json.dumps(record), encoding="utf-8")
    except OSError:
        pass
    service.audit("keep-alive ran", None, ", ".join(f"{r.name}: {r.outcome}" for r in results)[:500])
    return results


# -- export / import ---------------------------------------------------------------------------
EXPORT_KIND = "xconn-definitions"


def export_definitions(service, path) -> int:
    data = service.load()
    names = {c.id: c.name for c in data.connections}
    doc = {
        "kind": EXPORT_KIND, "version": 1, "exported_at": iso(now()), "exported_by": f"{current_user()}@{current_host()}",
        "connections": [{"name": c.name, "client_id": c.client_id, "redirect_url": c.redirect_url,
                         "scopes": c.scopes, "tenant_id": c.tenant_id, "tenant_name": c.tenant_name,
                         "tenant_type": c.tenant_type} for c in data.connections],
        "profiles": [{"name": p.name, "connection": names.get(p.connection_id, "")} for p in data.profiles],
    }
    Path(path).write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    service.audit("exported", None, f"{len(data.connections)} connection(s) to {path}")
    return len(data.connections)


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


def read_export(path) -> dict:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read ({exc.strerror or exc}).", "Check the file name.") from None
    except ValueError:
        raise InvalidInput(f"{path} is not an xconn export file.", "Export it again with 'xconn export'.") from None
    if not isinstance(doc, dict) or doc.get("kind") != EXPORT_KIND:
        raise InvalidInput(f"{path} is not an xconn export file.", "Export it again with 'xconn export'.")
    return doc


def conflicts(service, doc: dict) -> list[ImportConflict]:
    existing = {c.name.casefold(): c for c in service.connections()}
    out = []
    for item in doc.get("connections", []):
        old = existing.get(str(item.get("name", "")).casefold())
        if old and old.client_id != item.get("client_id"):
            out.append(ImportConflict(old.name, old.client_id, str(item.get("client_id"))))
    return out


def import_definitions(service, path, decide=None) -> ImportReport:
    """decide(conflict) -> 'skip' | 'replace' | 'rename'; None means skip every conflict."""
    from . import validate

    doc = read_export(path)
    report = ImportReport()
    with service.registry.transaction() as data:
        by_name = {c.name.casefold(): c for c in data.connections}
        for item in doc.get("connections", []):
            name = validate.name(str(item.get("name", "")))
            client_id = validate.client_id(str(item.get("client_id", "")))
            redirect = validate.redirect_url(str(item.get("redirect_url", "")))
            scopes = validate.scopes(item.get("scopes") or [])
            fresh = Connection(name=name, client_id=client_id, redirect_url=redirect, scopes=scopes,
                               tenant_id=str(item.get("tenant_id") or ""), tenant_name=str(item.get("tenant_name") or ""),
                               tenant_type=str(item.get("tenant_type") or ""))
            old = by_name.get(name.casefold())
            if old is None:
                data.connections.append(fresh)
                by_name[name.casefold()] = fresh
                report.added.append(name)
                continue
            if old.client_id == client_id:
                report.unchanged.append(name)
                continue
            choice = decide(ImportConflict(old.name, old.client_id, client_id)) if decide else "skip"
            if choice == "replace":
                fresh.id = old.id
                data.connections[data.connections.index(old)] = fresh
                by_name[name.casefold()] = fresh
                service._token_cache.pop(old.id, None)
                report.replaced.append(name)
            elif choice == "rename":
                n, new_name = 2, f"{name} (imported)"
                while new_name.casefold() in by_name:
                    n, new_name = n + 1, f"{name} (imported {n})"
                fresh.name = new_name
                data.connections.append(fresh)
                by_name[new_name.casefold()] = fresh
                report.renamed.append(new_name)
            else:
                report.skipped.append(name)
        profiles = {p.name.casefold() for p in data.profiles}
        for item in doc.get("profiles", []):
            pname = validate.name(str(item.get("name", "")), "profile name")
            if pname.casefold() in profiles:
                continue
            conn = by_name.get(str(item.get("connection", "")).casefold())
            data.profiles.append(Profile(name=pname, connection_id=conn.id if conn else ""))
            profiles.add(pname.casefold())
            report.profiles_added.append(pname)
    for name in report.replaced:
        try:
            service.store.delete(service.get(name).id)  # tokens of the old Xero app are useless now
        except XconnError:
            pass
    service.audit("imported", None, f"from {path}: {len(report.added)} added, {len(report.replaced)} replaced, "
                  f"{len(report.renamed)} renamed, {len(report.skipped)} skipped")
    return report
