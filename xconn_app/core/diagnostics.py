"""Diagnose: one small check per concern (role, password store, list folder, ports, Xero, clock, each
connection, keep-alive), and a plain-text report to paste into a ticket."""

from __future__ import annotations

import functools
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .errors import COMMAND_REPAIR, STEP_REPAIR, XconnError
from .model import Connection, Grant, Status, current_host, current_user, iso, now
from .text import visible

if TYPE_CHECKING:  # service.py imports this module when Diagnose runs
    from .service import Service

# Actions a check can offer (the window shows a button, the CLI names the command).
ACTION_SETUP_MACHINE = "setup-machine"
ACTION_BECOME_ADMIN = "become-admin"
ACTION_KEEPALIVE_ON = "keepalive-on"


@dataclass
class DoctorCheck:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # works, but needs attention soon
    action: str = ""  # one of ACTION_*, when the fix can be done from xconn
    command: str = ""  # the command line that does the fix (the report and the CLI show it)

    @property
    def mark(self) -> str:
        return "PASS" if self.ok and not self.warning else ("WARN" if self.ok else "FAIL")


def run_check(name: str, func: Callable[[], DoctorCheck]) -> DoctorCheck:
    try:
        return func()
    except XconnError as exc:
        return DoctorCheck(name, False, exc.message, exc.next_step)
    except Exception as exc:
        import logging

        logging.getLogger("xconn.doctor").exception("check %s failed", name)
        return DoctorCheck(
            name, False, f"The check could not run ({type(exc).__name__}).", "Send this report to support."
        )


class Diagnostics:
    def __init__(self, service: Service):
        self.service = service

    def run(self) -> list[DoctorCheck]:
        s = self.service
        checks = [
            run_check("Your role", self.role),
            run_check("Password store", self.keyring),
            run_check("Connection list folder", self.folder),
        ]
        try:
            connections = s.definitions.load().connections
            checks.append(DoctorCheck("Connection list", True, f"{len(connections)} connection(s) can be read."))
        except XconnError as exc:
            checks.append(DoctorCheck("Connection list", False, exc.message, exc.next_step))
            connections = []
        for port, users in ports(connections).items():
            checks.append(run_check(f"Port {port}", functools.partial(self.port, port, users)))
        checks.append(run_check("Xero sign-in service", lambda: self.identity(checks)))
        checks.append(run_check("Xero API", self.api))
        grants = s.grants.all()
        for conn in connections:
            checks.append(
                run_check(
                    f"Connection '{visible(conn.name)}'", functools.partial(self.connection, conn, grants.get(conn.id))
                )
            )
        checks.append(run_check("Daily keep-alive", self.keepalive))
        return checks

    # -- one check each -------------------------------------------------------------------------------
    def role(self) -> DoctorCheck:
        role = self.service.role
        if role.admin:
            return DoctorCheck("Your role", True, f"{current_user()}: list administrator. {role.reason}")
        return DoctorCheck(
            "Your role",
            True,
            f"{current_user()}: can use connections. {role.reason}",
            role.how_to_become_admin(),
            warning=role.pending,
            action=ACTION_BECOME_ADMIN,
            command=role.admin_command(),
        )

    def keyring(self) -> DoctorCheck:
        store = self.service.store
        store.probe()
        return DoctorCheck("Password store", True, f"Tokens can be saved and read ({store.describe()}).")

    def folder(self) -> DoctorCheck:
        loc = self.service.location
        name = "Connection list folder"
        if loc.kind == "per-user":
            return DoctorCheck(
                name,
                True,
                f"{visible(loc.path)} is this user's own list: {visible(loc.reason)}.",
                "An administrator creates the shared list by installing xconn, or with Diagnose > Repair the shared "
                "folder.",
                warning=True,
                action=ACTION_SETUP_MACHINE,
                command=COMMAND_REPAIR,
            )
        try:
            loc.folder().check()
        except FileNotFoundError:
            return DoctorCheck(name, True, f"{visible(loc.path)} does not exist yet; it is made at the first save.")
        except XconnError as exc:
            return DoctorCheck(
                name, False, exc.message, exc.next_step, action=ACTION_SETUP_MACHINE, command=COMMAND_REPAIR
            )
        detail = f"{visible(loc.path)} ({loc.scope})"
        status_folder = loc.status_folder() if loc.machine else None
        if status_folder is not None:
            try:
                status_folder.check()
            except (XconnError, OSError) as exc:
                msg = exc.message if isinstance(exc, XconnError) else str(exc)
                return DoctorCheck(
                    name,
                    False,
                    f"{detail}; its status folder is not right: {msg}",
                    STEP_REPAIR,
                    action=ACTION_SETUP_MACHINE,
                    command=COMMAND_REPAIR,
                )
        return DoctorCheck(name, True, f"{detail}: owners and modes are right.")

    @staticmethod
    def port(port: int, users: list[Connection]) -> DoctorCheck:
        from .loopback import LoopbackReceiver

        names = ", ".join(visible(c.name) for c in users)
        receiver = LoopbackReceiver(users[0].redirect_url, "doctor-probe")
        receiver.start()  # raises PortInUse with the fix in it
        receiver.close()
        return DoctorCheck(f"Port {port}", True, f"Free to receive Xero's answer (used by {names}).")

    def identity(self, checks: list[DoctorCheck]) -> DoctorCheck:
        from email.utils import parsedate_to_datetime

        doc, date = self.service.xero.discovery()
        if not isinstance(doc, dict) or "token_endpoint" not in doc:
            return DoctorCheck(
                "Xero sign-in service",
                False,
                "Xero's sign-in settings could not be read.",
                "Check for a proxy or firewall rewriting https://identity.xero.com.",
            )
        if date:
            skew = time.time() - parsedate_to_datetime(date).timestamp()
            checks.append(
                DoctorCheck(
                    "Clock",
                    abs(skew) < 60,
                    f"This computer's clock is {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} Xero's.",
                    "" if abs(skew) < 60 else "Set the clock to synchronise automatically (Date & time settings).",
                )
            )
        return DoctorCheck("Xero sign-in service", True, f"Reachable ({self.service.endpoints.identity}).")

    def api(self) -> DoctorCheck:
        s = self.service
        try:
            resp = s.xero.send("GET", s.endpoints.connections, "checking the Xero API", check=False)
        except XconnError:
            return DoctorCheck(
                "Xero API",
                False,
                f"{s.endpoints.api} cannot be reached.",
                "Check the internet connection, proxy and firewall for api.xero.com.",
            )
        ok = resp.status_code in (200, 401, 403)
        return DoctorCheck(
            "Xero API",
            ok,
            f"Reachable ({s.endpoints.api})." if ok else f"{s.endpoints.api} answered with error {resp.status_code}.",
            "" if ok else "Try again later; see status.xero.com.",
        )

    def connection(self, conn: Connection, grant: Grant | None) -> DoctorCheck:
        from .model import status_of

        name = f"Connection '{visible(conn.name)}'"
        status, text = status_of(conn, grant)
        if status is Status.NOT_AUTHORIZED:
            return DoctorCheck(name, False, f"{text}.", "Select it and press Authorize.")
        if status in (Status.NEEDS_REAUTHORIZATION, Status.CANT_REACH):
            return DoctorCheck(name, False, f"{text}.", "Select it and press Re-authorize.")
        if status is Status.NO_ORGANISATION:
            return DoctorCheck(
                name,
                False,
                "No organisation is chosen for it.",
                "A list administrator edits it and picks one in the Tenant list.",
            )
        if self.service.store.load(conn.id) is None:
            return DoctorCheck(
                name,
                False,
                "Its tokens are missing from this user's password store.",
                "Select it and press Re-authorize.",
            )
        if status is Status.EXPIRES_SOON:
            return DoctorCheck(
                name,
                True,
                f"{text}: its refresh token has not been used for a while.",
                "Press Check all, or turn on the daily keep-alive.",
                warning=True,
            )
        return DoctorCheck(name, True, f"{text} ({visible(conn.tenant_name)}).")

    def keepalive(self) -> DoctorCheck:
        from .keepalive import OFF

        ka = self.service.keepalive
        state = ka.state()
        try:
            last = ka.last_run()
        except XconnError as exc:
            return DoctorCheck("Daily keep-alive", False, f"Its last run cannot be read: {exc.message}", exc.next_step)
        ran = f" Last ran {iso(last['at'])}." if last else " It has not run yet for this user."
        if state.code == OFF:
            return DoctorCheck(
                "Daily keep-alive",
                False,
                state.text + ran,
                "Turn on the daily keep-alive (Diagnose has a button for it).",
                action=ACTION_KEEPALIVE_ON,
            )
        stale = last is not None and now() - last["at"] > 3 * 86400
        return DoctorCheck(
            "Daily keep-alive",
            True,
            state.text + ran + (" " + state.limit if state.limit else ""),
            "It has not run for over 3 days: sign in to this computer so that it can reach your password store."
            if stale
            else "",
            warning=stale,
        )


def ports(connections: list[Connection]) -> dict[int, list[Connection]]:
    """The connections listening on each redirect port."""
    out: dict[int, list[Connection]] = {}
    for c in connections:
        try:
            port = urlsplit(c.redirect_url).port
        except ValueError:
            continue
        if port:
            out.setdefault(port, []).append(c)
    return out


def report(service: Service, checks: list[DoctorCheck]) -> str:
    from .. import __version__

    loc = service.location
    lines = [
        f"xconn {__version__} diagnosis, {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"Computer: {current_host()} ({platform.system()} {platform.release()}), user {current_user()}, "
        f"Python {sys.version.split()[0]}",
        f"Connection list: {visible(service.registry.path)} ({loc.scope})",
        "",
    ]
    for c in checks:
        lines.append(f"[{c.mark}] {c.name}: {visible(c.detail)}")
        if c.fix and c.mark != "PASS":
            lines.append(f"       Fix: {visible(c.fix)}")
            if c.command:
                lines.append(f"       Command: {visible(c.command)}")
    failed = sum(1 for c in checks if not c.ok)
    lines += ["", f"{failed} problem(s) found." if failed else "No problems found."]
    return "\n".join(lines)
