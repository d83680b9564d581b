"""`xconn` command line over core/service.py.

Exit codes (core.errors.ExitCode): 0 ok, 1 error, 2 bad usage or input, 3 needs (re-)authorization,
4 timed out or cancelled, 5 not allowed (a change to the shared list by someone who is not a list
administrator). Every value that comes from a file or from Xero is printed through text.visible,
so control characters never reach the terminal raw.
"""

from __future__ import annotations

import argparse
import os
import sys

from .core.errors import ExitCode, InvalidInput, XconnError
from .core.settings import AUTHORIZE_TIMEOUT
from .core.text import safe_json, visible, visible_lines

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: --help and --version stay light
if TYPE_CHECKING:  # the service is imported when a command runs
    from collections.abc import Callable, Sequence
    from typing import NoReturn

    from .core.authorization import AuthorizationOutcome
    from .core.model import Connection
    from .core.service import ConnectionRow, Service
    from .core.transfer import ImportConflict


def _out(text: str = "") -> None:
    print(visible_lines(text), file=sys.stdout, flush=True)


def _err(text: str) -> None:
    print(visible_lines(text), file=sys.stderr, flush=True)


def _json(data: object) -> None:
    print(safe_json(data), file=sys.stdout, flush=True)


def _table(rows: list[list[str]], header: list[str]) -> None:
    rows = [[visible(c, 80) for c in r] for r in rows]
    widths = [max(len(str(r[i])) for r in [*rows, header]) for i in range(len(header))]
    _out("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for r in rows:
        _out("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def _service(args: argparse.Namespace, *, housekeeping: bool = True, tolerant: bool = False) -> Service:
    """The service; housekeeping reads the list first (its problems are reported then, unless tolerant:
    doctor must run on a computer whose list cannot be read)."""
    from .core.service import Service

    svc = Service(args.config_dir)
    if housekeeping:
        try:
            svc.start()
        except XconnError:
            if not tolerant:
                raise
    return svc


def _q(name: str) -> str:
    """A connection name as the user would type it in a command."""
    return '"' + visible(name, 80).replace('"', '\\"') + '"'


def _conn_json(row: ConnectionRow) -> dict[str, object]:
    c = row.connection
    return {
        "id": c.id,
        "name": c.name,
        "client_id": c.client_id,
        "redirect_url": c.redirect_url,
        "scopes": c.scopes,
        "tenant_id": c.tenant_id,
        "tenant_name": c.tenant_name,
        "tenant_type": c.tenant_type,
        "xero_connection_id": row.grant.xero_connection_id if row.grant else "",
        "status": row.status.value,
        "status_text": row.status_text,
        "profiles": row.profiles,
    }


# -- commands -----------------------------------------------------------------------------
def cmd_add(args: argparse.Namespace) -> None:
    svc = _service(args)
    conn = svc.add(args.name, args.client_id, args.redirect_url, args.scopes)
    _err(f"Added connection '{visible(conn.name)}'. Next: xconn authorize {_q(conn.name)}")


def cmd_edit(args: argparse.Namespace) -> None:
    svc = _service(args)
    before = svc.get(args.connection)
    conn = svc.edit(
        args.connection, name=args.name, client_id=args.client_id, redirect_url=args.redirect_url, scopes=args.scopes
    )
    _err(f"Saved connection '{visible(conn.name)}'.")
    if before.client_id != conn.client_id:
        _err(
            f"The Client ID changed, so its tokens were removed from your password store and everyone must "
            f"authorize it again. Next: xconn authorize {_q(conn.name)}"
        )
    elif before.fingerprint != conn.fingerprint:
        _err(
            f"Its Client ID, redirect URL or scopes changed, so everyone must authorize it again. "
            f"Next: xconn authorize {_q(conn.name)}"
        )


def _confirm(question: str, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin or not sys.stdin.isatty():
        raise InvalidInput("This needs a confirmation and there is no one to ask.", "Add --yes to confirm.")
    answer = input(f"{visible(question)} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def cmd_delete(args: argparse.Namespace) -> ExitCode | None:
    svc = _service(args)
    conn = svc.get(args.connection)
    if not _confirm(f"Delete connection '{conn.name}'?", args.yes):
        _err("Nothing was deleted.")
        return ExitCode.OK
    moved = svc.delete(
        conn.id,
        switch_to=args.switch_to,
        force=args.force,
        disconnect=args.disconnect or args.disconnect_anyway,
        disconnect_anyway=args.disconnect_anyway,
    )
    _err(f"Deleted connection '{visible(conn.name)}'.")
    if moved:
        _err(
            ("Switched to " + visible(args.switch_to) if args.switch_to else "Left without a connection")
            + ": "
            + visible(", ".join(moved))
        )
    return None


def cmd_revoke(args: argparse.Namespace) -> ExitCode | None:
    svc = _service(args)
    conn = svc.get(args.connection)
    others = [c.name for c in svc.connections() if c.id != conn.id and c.client_id == conn.client_id]
    warning = (
        f"Revoke this Xero app's access for the Xero user signed in with '{conn.name}'? Every connection "
        "using this app with that Xero login stops working, here and on other computers"
    )
    if others:
        warning += f" (on this computer: {', '.join(others)})"
    if not _confirm(warning + ".", args.yes):
        _err("Nothing was revoked.")
        return ExitCode.OK
    svc.revoke(conn.id)
    _err(f"Revoked. Re-authorize '{visible(conn.name)}' to use it again.")
    return None


def cmd_list(args: argparse.Namespace) -> None:
    svc = _service(args)
    rows = svc.rows()
    if args.json:
        return _json([_conn_json(r) for r in rows])
    if not rows:
        _err("No connections yet. Add one: xconn add --name NAME --client-id ID --redirect-url URL")
        return None
    from .core.model import current_user

    _err(f"Status for {current_user()}:")
    _table(
        [
            [r.connection.name, r.connection.tenant_name or "-", r.status_text, r.connection.client_id, str(r.profiles)]
            for r in rows
        ],
        ["NAME", "TENANT", "STATUS", "CLIENT ID", "PROFILES"],
    )
    return None


def cmd_details(args: argparse.Namespace) -> None:
    details = _service(args).details(args.connection)
    if args.json:
        return _json(details.data)
    width = max(len(k) for k, _ in details.all())
    for k, v in details.facts:
        _out(f"{k.ljust(width)}  {visible(v)}")
    _out("")
    _out("Technical details")
    for k, v in details.technical:
        _out(f"{k.ljust(width)}  {visible(v)}")
    return None


def _pick_tenant(svc: Service, outcome: AuthorizationOutcome, wanted: str | None) -> Connection:
    """The organisation after a command-line authorization (issue 12's rules for this sign-in)."""
    conn = svc.get(outcome.connection.id)
    tenants = outcome.tenants
    if wanted:
        return svc.choose_tenant(conn.id, wanted, tenants)
    if conn.tenant_id:
        if not outcome.reaches_saved_tenant:
            _err(
                f"This sign-in cannot reach {visible(conn.tenant_name)}: tick it on Xero's page when you authorize "
                "again, or ask a list administrator to pick another organisation."
            )
        return conn
    if not tenants:
        raise XconnError(
            "Authorized, but this Xero login has no organisation connected to the app.",
            "Authorize again and tick an organisation on Xero's page.",
        )
    if len(outcome.this_signin) == 1 or len(tenants) == 1:
        chosen = outcome.this_signin[0] if len(outcome.this_signin) == 1 else tenants[0]
        if not svc.may_change:
            _err(
                f"Connected to {visible(chosen.tenant_name)}; a list administrator must choose it for this connection."
            )
            return conn
        _err(f"Chose {visible(chosen.tenant_name)}, the organisation connected in this sign-in.")
        return svc.choose_tenant(conn.id, chosen, tenants)
    listed = outcome.this_signin or tenants
    _err(
        "Organisations connected in this sign-in:"
        if outcome.this_signin
        else "This authorization reaches several organisations:"
    )
    for n, t in enumerate(listed, 1):
        _err(f"  {n}. {visible(t.tenant_name)}  ({visible(t.tenant_type)}, {visible(t.tenant_id)})")
    if not svc.may_change:
        raise InvalidInput(
            "Several organisations and none is chosen for this connection.", "Ask a list administrator to choose one."
        )
    if not sys.stdin or not sys.stdin.isatty():
        raise InvalidInput(
            "Several organisations and none was named.",
            f"Run: xconn tenant {_q(conn.name)} NAME, or pick one in the window.",
        )
    while True:
        answer = input("Which one? Type its number: ").strip()
        if answer.isdigit() and 1 <= int(answer) <= len(listed):
            return svc.choose_tenant(conn.id, listed[int(answer) - 1], tenants)


def cmd_authorize(args: argparse.Namespace) -> None:
    svc = _service(args)
    conn = svc.get(args.connection)
    if not args.no_check:
        verdict = svc.check_with_xero(conn.client_id, conn.redirect_url, conn.scopes)
        if verdict.refused:  # Xero would show its own error page and never come back: say why now
            raise InvalidInput(verdict.message, verdict.next_step)
    if args.paste:
        return _authorize_paste(svc, conn, args)
    with svc.begin_authorization(conn.id) as pending:
        if args.no_browser:
            _out(pending.url)
            _err(
                f"Open the address above in a browser, log in to Xero and press 'Allow access'. "
                f"Waiting up to {int(args.timeout)} seconds..."
            )
        else:
            opened = pending.open_browser()
            _err(
                ("Your browser was opened on Xero's page." if opened else "Could not open a browser.")
                + " If it did not appear, open this address yourself:\n"
                + pending.url
            )
            _err(f"Press 'Allow access' on Xero's page. Waiting up to {int(args.timeout)} seconds...")
        outcome = pending.wait(args.timeout)
    return _authorized(svc, outcome, args)


def _authorized(svc: Service, outcome: AuthorizationOutcome, args: argparse.Namespace) -> None:
    conn = _pick_tenant(svc, outcome, args.tenant)
    who = f" as {visible(outcome.xero_user)}" if outcome.xero_user else ""
    org = visible(conn.tenant_name) if conn.tenant_name else "no organisation yet"
    _err(f"Connected to Xero{who}: '{visible(conn.name)}' uses {org}.")


def _authorize_paste(svc: Service, conn: Connection, args: argparse.Namespace) -> None:
    with svc.begin_authorization(conn.id) as pending:
        _out(pending.url)
        _err(
            "Open the address above in a browser, press 'Allow access', then copy the address the browser "
            "ends on (it starts with " + visible(conn.redirect_url) + "?code=) and paste it here:"
        )
        address = sys.stdin.readline(9000) if sys.stdin else ""
        if not address.strip():
            raise InvalidInput("No address was pasted.", "Run the command again and paste the address.")
        outcome = pending.complete_with_address(address)
    return _authorized(svc, outcome, args)


def cmd_tenants(args: argparse.Namespace) -> None:
    svc = _service(args)
    conn = svc.get(args.connection)
    tenants = svc.tenants(conn.id)
    if args.json:
        return _json([t.__dict__ | {"chosen": t.tenant_id == conn.tenant_id} for t in tenants])
    if not tenants:
        _err("This connection reaches no organisation. Authorize again and tick one on Xero's page.")
        return None
    _table(
        [
            [("* " if t.tenant_id == conn.tenant_id else "  ") + t.tenant_name, t.tenant_type, t.tenant_id]
            for t in tenants
        ],
        ["  ORGANISATION", "TYPE", "TENANT ID"],
    )
    return None


def cmd_tenant(args: argparse.Namespace) -> None:
    conn = _service(args).choose_tenant(args.connection, args.tenant)
    _err(f"'{visible(conn.name)}' now uses {visible(conn.tenant_name)}.")


def cmd_token(args: argparse.Namespace) -> None:
    if not args.connection and not args.profile:
        raise InvalidInput("Name a connection or a profile.", 'For example: xconn token "Head office"')
    token = _service(args, housekeeping=False).access_token(connection=args.connection, profile=args.profile)
    print(token, flush=True)


def cmd_check(args: argparse.Namespace) -> ExitCode:
    svc = _service(args)
    names = [c.id for c in svc.connections()] if args.all or not args.connection else [args.connection]
    results = [svc.check(n) for n in names]
    if args.json:
        _json(
            [
                {
                    "name": r.connection.name,
                    "ok": r.ok,
                    "status": r.status.value,
                    "message": r.message,
                    "next_step": r.next_step,
                    "limits": r.limits,
                }
                for r in results
            ]
        )
    else:
        for r in results:
            mark = "OK " if r.ok else "!! "
            _out(f"{mark} {visible(r.connection.name)}: {r.message} {r.next_step}".rstrip())
    if any(not r.ok and r.status.needs_authorizing for r in results):
        return ExitCode.REAUTHORIZE
    return ExitCode.OK if all(r.ok for r in results) else ExitCode.ERROR


def cmd_profile(args: argparse.Namespace) -> None:
    svc = _service(args)
    if args.profile_command == "add":
        p = svc.add_profile(args.name, args.connection)
        _err(f"Added capture profile '{visible(p.name)}'.")
    elif args.profile_command == "rename":
        svc.rename_profile(args.name, args.new_name)
        _err(f"Renamed to '{visible(args.new_name)}'.")
    elif args.profile_command == "delete":
        svc.delete_profile(args.name)
        _err(f"Deleted capture profile '{visible(args.name)}'.")
    elif args.profile_command == "set":
        svc.set_profile_connection(args.name, args.connection or None)
        _err(f"'{visible(args.name)}' now uses {visible(args.connection) or 'no connection'}.")
    else:
        data = svc.load()
        names = {c.id: c.name for c in data.connections}
        if args.json:
            return _json(
                [{"name": p.name, "id": p.id, "connection": names.get(p.connection_id, "")} for p in data.profiles]
            )
        if not data.profiles:
            _err("No capture profiles yet. Add one: xconn profile add NAME --connection CONNECTION")
            return None
        _table([[p.name, names.get(p.connection_id, "-")] for p in data.profiles], ["PROFILE", "CONNECTION"])
    return None


def cmd_usage(args: argparse.Namespace) -> None:
    profiles = _service(args).usage(args.connection)
    if args.json:
        return _json([p.name for p in profiles])
    if not profiles:
        _err("No capture profile uses this connection.")
    for p in profiles:
        _out(visible(p.name))
    return None


def cmd_switch(args: argparse.Namespace) -> None:
    result = _service(args).switch_profiles(args.source, args.target, args.profile or None)
    moved = result.moved
    _err(
        f"Switched {len(moved)} profile{'' if len(moved) == 1 else 's'} to '{visible(result.target_name)}'"
        + (": " + visible(", ".join(moved)) if moved else ".")
    )
    if moved and result.changes_organisation:
        _err(
            f"They now send documents to {visible(result.target_org) or 'no organisation'} instead of "
            f"{visible(result.source_org) or 'no organisation'}. To undo: xconn switch {_q(result.target_name)} "
            f"{_q(result.source_name)} " + " ".join(f"--profile {_q(n)}" for n in moved[:20])
        )


def cmd_doctor(args: argparse.Namespace) -> ExitCode:
    svc = _service(args, tolerant=True)
    checks = svc.doctor()
    if args.json:
        _json(
            [
                {
                    "check": c.name,
                    "result": c.mark.lower(),
                    "ok": c.ok,
                    "detail": c.detail,
                    "fix": c.fix,
                    "command": c.command,
                    "action": c.action,
                }
                for c in checks
            ]
        )
    else:
        _out(svc.doctor_report(checks))
    return ExitCode.OK if all(c.ok for c in checks) else ExitCode.ERROR


def cmd_refresh(args: argparse.Namespace) -> ExitCode:
    if not args.all:
        raise InvalidInput("Say which connections to renew.", "Use: xconn refresh --all")
    svc = _service(args)
    results = svc.refresh_all(0 if args.force else None)
    if args.json:
        _json([r.__dict__ for r in results])
    else:
        for r in results:
            _out(f"{visible(r.name)}: {r.outcome.replace('_', ' ')} - {visible(r.message)}")
    if any(r.outcome == "needs_reauthorization" for r in results):
        _err("Some connections need re-authorization: select them in xconn and press Re-authorize.")
        return ExitCode.REAUTHORIZE
    return ExitCode.ERROR if any(r.outcome == "error" for r in results) else ExitCode.OK


def cmd_keepalive(args: argparse.Namespace) -> None:
    svc = _service(args)
    if args.keepalive_command == "on":
        _err(svc.keepalive.turn_on())
        return
    state = svc.keepalive.state()
    last = svc.keepalive_last_run()
    if args.json:
        return _json({"state": state.code, "text": state.text, "last_run": last})
    _out(state.text + (" " + state.limit if state.limit else ""))
    from .core.model import iso

    _out(f"Last ran {iso(last['at'])}." if last else "It has not run yet for this user.")
    return None


def cmd_history(args: argparse.Namespace) -> None:
    entries = _service(args).history(args.connection, limit=args.limit)
    if args.json:
        return _json([e.to_dict() for e in entries])
    if not entries:
        _err("Nothing recorded yet.")
    for e in entries:
        who = f"{e.user or '?'}@{e.host or '?'}"
        conn = f" '{visible(e.connection)}'" if e.connection else ""
        detail = f" ({visible(e.detail)})" if e.detail else ""
        note = f"  [{e.note}]" if e.note else ""
        _out(f"{visible(e.at)}  {visible(who)}  {visible(e.what)}{conn}{detail}{note}")
    return None


def cmd_export(args: argparse.Namespace) -> None:
    n = _service(args).export_definitions(args.file)
    _err(f"Exported {n} connection definition(s) and the capture profiles to {visible(args.file)} (no tokens).")


def cmd_import(args: argparse.Namespace) -> None:
    svc = _service(args)
    found = svc.import_conflicts(args.file)
    policy = args.on_conflict
    if found and policy == "ask" and (not sys.stdin or not sys.stdin.isatty()):
        names = ", ".join(f"'{visible(c.name)}'" for c in found)
        raise InvalidInput(
            f"These connections exist here with another Client ID: {names}.",
            "Choose with --on-conflict skip, rename or replace.",
        )

    def decide(conflict: ImportConflict) -> str:
        if policy != "ask":
            return policy
        _err(
            f"'{visible(conflict.name)}' exists here with Client ID {visible(conflict.existing_client_id)}; the file "
            f"has {visible(conflict.incoming_client_id)}."
        )
        answer = (
            input("Keep this computer's (s), replace it (r), or import as a renamed copy (c)? [s] ").strip().lower()
        )
        return {"r": "replace", "c": "rename"}.get(answer[:1], "skip")

    report = svc.import_definitions(args.file, decide)
    for label, items in (
        ("Added", report.added),
        ("Replaced", report.replaced),
        ("Added as", report.renamed),
        ("Kept this computer's", report.skipped),
        ("Already here", report.unchanged),
        ("Capture profiles added", report.profiles_added),
    ):
        if items:
            _err(f"{label}: {visible(', '.join(items))}")
    if report.added or report.replaced or report.renamed:
        _err("Imported connections are not authorized yet: select each one and press Authorize.")


def cmd_setup_machine(args: argparse.Namespace) -> None:
    from .core.machine import setup_machine

    report = setup_machine(add_admin=args.add_admin or None, migrate_from=args.migrate_from)
    for line in report.done:
        _err(line)
    for line in report.warnings:
        _err("Warning: " + line)
    if not report.done and not report.warnings:
        _err("The shared connection list folder is already set up correctly.")


def cmd_whoami(args: argparse.Namespace) -> None:
    svc = _service(args, housekeeping=False)
    role = svc.role
    from .core.model import current_user

    if args.json:
        return _json(
            {
                "user": current_user(),
                "list_administrator": role.admin,
                "reason": role.reason,
                "connection_list": str(svc.location.path),
                "scope": svc.location.scope,
            }
        )
    _out(f"{current_user()}: {role.reason}")
    if not role.admin:
        _out(role.how_to_become_admin())
        if role.admin_command():
            _out(f"Command for IT: {role.admin_command()}")
    _out(f"Connection list: {visible(svc.location.path)} ({svc.location.scope})")
    return None


# -- parser ---------------------------------------------------------------------------------
class _Version(argparse.Action):
    """--version, reading the installed metadata only when asked (importlib.metadata costs every
    other command ~40 ms, `xconn token` included)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        from . import __version__

        print(f"xconn {__version__}")
        parser.exit()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        _err(f"xconn: {message}")
        raise SystemExit(ExitCode.USAGE)


def build_parser() -> argparse.ArgumentParser:
    from pathlib import Path

    p = _Parser(
        prog="xconn",
        description="Keeps Xero connections alive for capture profiles. Without a command it opens the window.",
    )
    p.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    p.add_argument("--config-dir", metavar="DIR", help="folder of the connection list (default: the shared one)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def cmd(name: str, func: Callable[[argparse.Namespace], ExitCode | None], help_: str) -> argparse.ArgumentParser:
        s = sub.add_parser(name, help=help_, description=help_)
        s.set_defaults(func=func)
        return s

    s = cmd("add", cmd_add, "add a connection (list administrators)")
    s.add_argument("--name", required=True)
    s.add_argument("--client-id", required=True)
    s.add_argument("--redirect-url", required=True, help="as registered at Xero, e.g. http://localhost:5000/callback")
    s.add_argument("--scopes", help="space-separated scopes (default: for invoice capture)")

    s = cmd("edit", cmd_edit, "change a connection (list administrators)")
    s.add_argument("connection")
    s.add_argument("--name")
    s.add_argument("--client-id")
    s.add_argument("--redirect-url")
    s.add_argument("--scopes")

    s = cmd("delete", cmd_delete, "delete a connection (list administrators)")
    s.add_argument("connection")
    s.add_argument("--disconnect", action="store_true", help="also disconnect the organisation at Xero")
    s.add_argument(
        "--disconnect-anyway",
        action="store_true",
        help="disconnect even though other connections here use the same app and organisation",
    )
    s.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    s.add_argument("--switch-to", metavar="CONNECTION", help="move its capture profiles to this connection")
    s.add_argument("--force", action="store_true", help="delete even if capture profiles use it")

    s = cmd("revoke", cmd_revoke, "revoke this app's access at Xero for the signed-in Xero user")
    s.add_argument("connection")
    s.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    s = cmd("list", cmd_list, "list connections and their status for you")
    s.add_argument("--json", action="store_true")

    s = cmd("details", cmd_details, "every fact about a connection except its secrets")
    s.add_argument("connection")
    s.add_argument("--json", action="store_true")

    s = cmd("authorize", cmd_authorize, "authorize (or re-authorize) a connection at Xero, for you")
    s.add_argument("connection")
    s.add_argument("--no-browser", action="store_true", help="print the address instead of opening a browser")
    s.add_argument("--paste", action="store_true", help="paste the address the browser ended on (no loopback)")
    s.add_argument("--timeout", type=float, default=AUTHORIZE_TIMEOUT, metavar="S")
    s.add_argument("--tenant", metavar="ID_OR_NAME", help="the organisation to use (list administrators)")
    s.add_argument(
        "--no-check",
        action="store_true",
        help="do not ask Xero first whether it accepts the Client ID, redirect URL and scopes",
    )

    s = cmd("tenants", cmd_tenants, "organisations your authorization can reach")
    s.add_argument("connection")
    s.add_argument("--json", action="store_true")

    s = cmd("tenant", cmd_tenant, "choose the organisation a connection uses (list administrators)")
    s.add_argument("connection")
    s.add_argument("tenant", metavar="ID_OR_NAME")

    s = cmd("token", cmd_token, "print a valid access token (renewed when needed)")
    s.add_argument("connection", nargs="?")
    s.add_argument("--profile")

    s = cmd("check", cmd_check, "test connections against Xero")
    s.add_argument("connection", nargs="?")
    s.add_argument("--all", action="store_true")
    s.add_argument("--json", action="store_true")

    s = cmd("profile", cmd_profile, "capture profiles")
    ps = s.add_subparsers(dest="profile_command", metavar="ACTION", parser_class=_Parser)
    a = ps.add_parser("add", help="add a capture profile")
    a.add_argument("name")
    a.add_argument("--connection")
    a = ps.add_parser("rename", help="rename a capture profile")
    a.add_argument("name")
    a.add_argument("new_name")
    a = ps.add_parser("delete", help="delete a capture profile")
    a.add_argument("name")
    a = ps.add_parser("set", help="choose the connection a profile uses")
    a.add_argument("name")
    a.add_argument("connection", nargs="?", default="")
    a = ps.add_parser("list", help="list capture profiles")
    a.add_argument("--json", action="store_true")
    s.add_argument("--json", action="store_true")

    s = cmd("usage", cmd_usage, "capture profiles that use a connection")
    s.add_argument("connection")
    s.add_argument("--json", action="store_true")

    s = cmd("switch", cmd_switch, "move capture profiles from one connection to another")
    s.add_argument("source", metavar="FROM")
    s.add_argument("target", metavar="TO")
    s.add_argument("--profile", action="append", help="only this profile (repeatable)")

    s = cmd("doctor", cmd_doctor, "diagnose this computer: role, password store, folder, ports, Xero, clock")
    s.add_argument("--json", action="store_true")

    s = cmd("refresh", cmd_refresh, "keep-alive: renew your connections before Xero's 60-day expiry")
    s.add_argument("--all", action="store_true")
    s.add_argument("--force", action="store_true", help="renew even those renewed in the last day")
    s.add_argument("--json", action="store_true")

    s = cmd("keepalive", cmd_keepalive, "is the daily keep-alive on for you; 'on' turns it on")
    s.add_argument("keepalive_command", nargs="?", choices=["status", "on"], default="status")
    s.add_argument("--json", action="store_true")

    s = cmd("history", cmd_history, "what was changed, when and by whom")
    s.add_argument("connection", nargs="?")
    s.add_argument("--limit", type=int, default=200)
    s.add_argument("--json", action="store_true")

    s = cmd("export", cmd_export, "save connection definitions and profiles (never tokens) to a file")
    s.add_argument("file")

    s = cmd("import", cmd_import, "add connection definitions and profiles from an export file")
    s.add_argument("file")
    s.add_argument("--on-conflict", choices=["ask", "skip", "rename", "replace"], default="ask")

    s = cmd(
        "setup-machine",
        cmd_setup_machine,
        "administrators: create or repair the shared connection list folder, its group and modes",
    )
    s.add_argument("--add-admin", metavar="USER", help="make this user a list administrator")
    s.add_argument("--migrate-from", metavar="DIR", type=Path, help=argparse.SUPPRESS)

    s = cmd("whoami", cmd_whoami, "your role: may you change the connection list?")
    s.add_argument("--json", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    from .core import logs

    logs.setup(os.environ.get("XCONN_LOG_DIR") or None)
    try:
        code = args.func(args)
        return int(code) if isinstance(code, int) else ExitCode.OK
    except XconnError as exc:
        if exc.__cause__ is not None:  # what the plain message translated, for the log (redacted there)
            import logging

            logging.getLogger("xconn.cli").warning("%s (caused by %r)", exc.message, exc.__cause__)
        _err(f"xconn: {exc.message}")
        if exc.next_step:
            _err(f"Next step: {exc.next_step}")
        if exc.command:
            _err(f"Command line: {exc.command}")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        _err("xconn: stopped.")
        return ExitCode.TIMEOUT
    except Exception:
        import logging

        logging.getLogger("xconn.cli").exception("unexpected error")
        where = logs.log_path()
        _err("xconn: something unexpected went wrong." + (f" Details were written to {where}." if where else ""))
        return ExitCode.ERROR
