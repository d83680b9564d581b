"""`xconn` command line over core/service.py.

Exit codes: 0 ok, 1 error, 2 bad usage or input, 3 needs (re-)authorization, 4 timed out or cancelled.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import __version__
from .core.errors import EXIT_ERROR, EXIT_OK, EXIT_USAGE, InvalidInput, XconnError


def _out(text: str = "") -> None:
    print(text, file=sys.stdout, flush=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _json(data) -> None:
    _out(json.dumps(data, indent=2, ensure_ascii=False))


def _table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    _out("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
    for r in rows:
        _out("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def _service(args):
    from .core.service import Service

    return Service(args.config_dir)


def _conn_json(row) -> dict:
    c = row.connection
    return {
        "id": c.id, "name": c.name, "client_id": c.client_id, "redirect_url": c.redirect_url, "scopes": c.scopes,
        "tenant_id": c.tenant_id, "tenant_name": c.tenant_name, "tenant_type": c.tenant_type,
        "xero_connection_id": c.xero_connection_id, "status": row.status.value, "status_text": row.status_text,
        "profiles": row.profiles,
    }


# -- commands -----------------------------------------------------------------------------
def cmd_add(args):
    svc = _service(args)
    conn = svc.add(args.name, args.client_id, args.redirect_url, args.scopes)
    _err(f"Added connection '{conn.name}'. Next: xconn authorize \"{conn.name}\"")


def cmd_edit(args):
    svc = _service(args)
    before = svc.get(args.connection)
    conn = svc.edit(args.connection, name=args.name, client_id=args.client_id,
                    redirect_url=args.redirect_url, scopes=args.scopes)
    _err(f"Saved connection '{conn.name}'.")
    if before.client_id != conn.client_id:
        _err(f"The Client ID changed, so its tokens were removed. Next: xconn authorize \"{conn.name}\"")


def _confirm(question: str, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin or not sys.stdin.isatty():
        raise InvalidInput("This needs a confirmation and there is no one to ask.", "Add --yes to confirm.")
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def cmd_delete(args):
    svc = _service(args)
    conn = svc.get(args.connection)
    if not _confirm(f"Delete connection '{conn.name}'?", args.yes):
        _err("Nothing was deleted.")
        return EXIT_OK
    moved = svc.delete(conn.id, switch_to=args.switch_to, force=args.force, disconnect=args.disconnect)
    _err(f"Deleted connection '{conn.name}'.")
    if moved:
        _err(("Switched to " + args.switch_to if args.switch_to else "Left without a connection") + ": " + ", ".join(moved))


def cmd_list(args):
    rows = _service(args).rows()
    if args.json:
        return _json([_conn_json(r) for r in rows])
    if not rows:
        _err("No connections yet. Add one: xconn add --name NAME --client-id ID --redirect-url URL")
        return
    _table([[r.connection.name, r.connection.tenant_name or "-", r.status_text, r.connection.client_id,
             str(r.profiles)] for r in rows], ["NAME", "TENANT", "STATUS", "CLIENT ID", "PROFILES"])


def cmd_details(args):
    facts = _service(args).details(args.connection)
    if args.json:
        return _json(dict(facts))
    width = max(len(k) for k, _ in facts)
    for k, v in facts:
        _out(f"{k.ljust(width)}  {v}")


def _pick_tenant(svc, outcome, wanted):
    tenants = outcome.tenants
    conn = outcome.connection
    if wanted:
        return svc.choose_tenant(conn.id, wanted, tenants)
    if conn.tenant_id:
        return conn
    if not tenants:
        raise XconnError(
            "Authorized, but this Xero login has no organisation connected to the app.",
            "Authorize again and tick an organisation on Xero's page.",
        )
    _err("This authorization reaches several organisations:")
    for n, t in enumerate(tenants, 1):
        _err(f"  {n}. {t.tenant_name}  ({t.tenant_type}, {t.tenant_id})")
    if not sys.stdin or not sys.stdin.isatty():
        raise InvalidInput("Several organisations and none was named.",
                           f"Run: xconn tenants \"{conn.name}\" then xconn authorize ... --tenant NAME, "
                           "or pick one in the window.")
    while True:
        answer = input("Which one? Type its number: ").strip()
        if answer.isdigit() and 1 <= int(answer) <= len(tenants):
            return svc.choose_tenant(conn.id, tenants[int(answer) - 1], tenants)


def cmd_authorize(args):
    svc = _service(args)
    conn = svc.get(args.connection)
    if args.paste:
        return _authorize_paste(svc, conn, args)
    with svc.begin_authorization(conn.id) as pending:
        if args.no_browser:
            _out(pending.url)
            _err(f"Open the address above in a browser, log in to Xero and press 'Allow access'. "
                 f"Waiting up to {int(args.timeout)} seconds...")
        else:
            opened = pending.open_browser()
            _err(("Your browser was opened on Xero's page." if opened else "Could not open a browser.")
                 + " If it did not appear, open this address yourself:\n" + pending.url)
            _err(f"Press 'Allow access' on Xero's page. Waiting up to {int(args.timeout)} seconds...")
        outcome = pending.wait(args.timeout)
    conn = _pick_tenant(svc, outcome, args.tenant)
    _err(f"Connected to Xero: '{conn.name}' uses {conn.tenant_name}.")


def _authorize_paste(svc, conn, args):
    with svc.begin_authorization(conn.id) as pending:
        _out(pending.url)
        _err("Open the address above in a browser, press 'Allow access', then copy the address the browser "
             "ends on (it starts with " + conn.redirect_url + "?code=) and paste it here:")
        address = sys.stdin.readline() if sys.stdin else ""
        if not address.strip():
            raise InvalidInput("No address was pasted.", "Run the command again and paste the address.")
        outcome = pending.complete_with_address(address)
    conn = _pick_tenant(svc, outcome, args.tenant)
    _err(f"Connected to Xero: '{conn.name}' uses {conn.tenant_name}.")


def cmd_tenants(args):
    svc = _service(args)
    conn = svc.get(args.connection)
    tenants = svc.tenants(conn.id)
    if args.json:
        return _json([t.__dict__ | {"chosen": t.tenant_id == conn.tenant_id} for t in tenants])
    if not tenants:
        _err("This connection reaches no organisation. Authorize again and tick one on Xero's page.")
        return
    _table([[("* " if t.tenant_id == conn.tenant_id else "  ") + t.tenant_name, t.tenant_type, t.tenant_id]
            for t in tenants], ["  ORGANISATION", "TYPE", "TENANT ID"])


def cmd_tenant(args):
    conn = _service(args).choose_tenant(args.connection, args.tenant)
    _err(f"'{conn.name}' now uses {conn.tenant_name}.")


def cmd_token(args):
    if not args.connection and not args.profile:
        raise InvalidInput("Name a connection or a profile.", "For example: xconn token \"Head office\"")
    _out(_service(args).access_token(connection=args.connection, profile=args.profile))


def cmd_check(args):
    svc = _service(args)
    if args.all or not args.connection:
        names = [c.id for c in svc.connections()]
    else:
        names = [args.connection]
    results = [svc.check(n) for n in names]
    if args.json:
        _json([{"name": r.connection.name, "ok": r.ok, "status": r.status.value, "message": r.message,
                "next_step": r.next_step} for r in results])
    else:
        for r in results:
            mark = "OK " if r.ok else "!! "
            _out(f"{mark} {r.connection.name}: {r.message} {r.next_step}".rstrip())
    if any(r.status.value == "needs_reauthorization" for r in results):
        return 3
    return EXIT_OK if all(r.ok for r in results) else EXIT_ERROR


def cmd_profile(args):
    svc = _service(args)
    if args.profile_command == "add":
        p = svc.add_profile(args.name, args.connection)
        _err(f"Added capture profile '{p.name}'.")
    elif args.profile_command == "rename":
        svc.rename_profile(args.name, args.new_name)
        _err(f"Renamed to '{args.new_name}'.")
    elif args.profile_command == "delete":
        svc.delete_profile(args.name)
        _err(f"Deleted capture profile '{args.name}'.")
    elif args.profile_command == "set":
        svc.set_profile_connection(args.name, args.connection or None)
        _err(f"'{args.name}' now uses {args.connection or 'no connection'}.")
    else:
        data = svc.load()
        names = {c.id: c.name for c in data.connections}
        if args.json:
            return _json([{"name": p.name, "id": p.id, "connection": names.get(p.connection_id, "")}
                          for p in data.profiles])
        if not data.profiles:
            _err("No capture profiles yet. Add one: xconn profile add NAME --connection CONNECTION")
            return
        _table([[p.name, names.get(p.connection_id, "-")] for p in data.profiles], ["PROFILE", "CONNECTION"])


def cmd_usage(args):
    svc = _service(args)
    profiles = svc.usage(args.connection)
    if args.json:
        return _json([p.name for p in profiles])
    if not profiles:
        _err("No capture profile uses this connection.")
    for p in profiles:
        _out(p.name)


def cmd_switch(args):
    moved = _service(args).switch_profiles(args.source, args.target, args.profile or None)
    _err(f"Switched {len(moved)} profile(s) to '{args.target}'" + (": " + ", ".join(moved) if moved else "."))


def cmd_doctor(args):
    svc = _service(args)
    checks = svc.doctor()
    if args.json:
        _json([{"check": c.name, "result": c.mark.lower(), "ok": c.ok, "detail": c.detail, "fix": c.fix}
               for c in checks])
    else:
        _out(svc.doctor_report(checks))
    return EXIT_OK if all(c.ok for c in checks) else EXIT_ERROR


def cmd_refresh(args):
    if not args.all:
        raise InvalidInput("Say which connections to renew.", "Use: xconn refresh --all")
    results = _service(args).refresh_all(0 if args.force else 20.0)
    if args.json:
        _json([r.__dict__ for r in results])
    else:
        for r in results:
            _out(f"{r.name}: {r.outcome.replace('_', ' ')} - {r.message}")
    if any(r.outcome == "needs_reauthorization" for r in results):
        _err("Some connections need re-authorization: edit them in xconn and press Authorize.")
        return 3
    return EXIT_ERROR if any(r.outcome == "error" for r in results) else EXIT_OK


def cmd_history(args):
    entries = _service(args).history(args.connection, limit=args.limit)
    if args.json:
        return _json(entries)
    if not entries:
        _err("Nothing recorded yet.")
    for e in entries:
        who = f"{e.get('user', '?')}@{e.get('host', '?')}"
        conn = f" '{e['connection']}'" if e.get("connection") else ""
        detail = f" ({e['detail']})" if e.get("detail") else ""
        _out(f"{e.get('at', '')}  {who}  {e.get('what', '')}{conn}{detail}")


def cmd_export(args):
    n = _service(args).export_definitions(args.file)
    _err(f"Exported {n} connection definition(s) and the capture profiles to {args.file} (no tokens).")


def cmd_import(args):
    svc = _service(args)
    found = svc.import_conflicts(args.file)
    policy = args.on_conflict
    if found and policy == "ask":
        if not sys.stdin or not sys.stdin.isatty():
            names = ", ".join(f"'{c.name}'" for c in found)
            raise InvalidInput(f"These connections exist here with another Client ID: {names}.",
                               "Choose with --on-conflict skip, rename or replace.")

    def decide(conflict):
        if policy != "ask":
            return policy
        _err(f"'{conflict.name}' exists here with Client ID {conflict.existing_client_id}; the file has "
             f"{conflict.incoming_client_id}.")
        answer = input("Keep this computer's (s), replace it (r), or import as a renamed copy (c)? [s] ").strip().lower()
        return {"r": "replace", "c": "rename"}.get(answer[:1], "skip")

    report = svc.import_definitions(args.file, decide)
    for label, names in (("Added", report.added), ("Replaced", report.replaced), ("Added as", report.renamed),
                         ("Kept this computer's", report.skipped), ("Already here", report.unchanged),
                         ("Capture profiles added", report.profiles_added)):
        if names:
            _err(f"{label}: {', '.join(names)}")
    if report.added or report.replaced or report.renamed:
        _err("Imported connections are not authorized yet: edit each one and press Authorize.")


# -- parser ---------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        _err(f"xconn: {message}")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="xconn", description="Keeps Xero connections alive for capture profiles. "
                "Without a command it opens the window.")
    p.add_argument("--version", action="version", version=f"xconn {__version__}")
    p.add_argument("--config-dir", metavar="DIR", help="folder of the connection list (default: per-machine)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def cmd(name, func, help_):
        s = sub.add_parser(name, help=help_, description=help_)
        s.set_defaults(func=func)
        return s

    s = cmd("add", cmd_add, "add a connection")
    s.add_argument("--name", required=True)
    s.add_argument("--client-id", required=True)
    s.add_argument("--redirect-url", required=True, help="as registered at Xero, e.g. http://localhost:5000/callback")
    s.add_argument("--scopes", help="space-separated scopes (default: for invoice capture)")

    s = cmd("edit", cmd_edit, "change a connection")
    s.add_argument("connection")
    s.add_argument("--name")
    s.add_argument("--client-id")
    s.add_argument("--redirect-url")
    s.add_argument("--scopes")

    s = cmd("delete", cmd_delete, "delete a connection")
    s.add_argument("connection")
    s.add_argument("--disconnect", action="store_true", help="also disconnect the organisation at Xero")
    s.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    s.add_argument("--switch-to", metavar="CONNECTION", help="move its capture profiles to this connection")
    s.add_argument("--force", action="store_true", help="delete even if capture profiles use it")

    s = cmd("list", cmd_list, "list connections")
    s.add_argument("--json", action="store_true")

    s = cmd("details", cmd_details, "every fact about a connection except its secrets")
    s.add_argument("connection")
    s.add_argument("--json", action="store_true")

    s = cmd("authorize", cmd_authorize, "authorize (or re-authorize) a connection at Xero")
    s.add_argument("connection")
    s.add_argument("--no-browser", action="store_true", help="print the address instead of opening a browser")
    s.add_argument("--paste", action="store_true", help="paste the address the browser ended on (no loopback)")
    s.add_argument("--timeout", type=float, default=90.0, metavar="S")
    s.add_argument("--tenant", metavar="ID_OR_NAME", help="the organisation to use")

    s = cmd("tenants", cmd_tenants, "organisations this connection can reach")
    s.add_argument("connection")
    s.add_argument("--json", action="store_true")

    s = cmd("tenant", cmd_tenant, "choose the organisation a connection uses")
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

    s = cmd("doctor", cmd_doctor, "diagnose this computer: password store, folder, ports, Xero, clock")
    s.add_argument("--json", action="store_true")

    s = cmd("refresh", cmd_refresh, "keep-alive: renew connections before Xero's 60-day expiry")
    s.add_argument("--all", action="store_true")
    s.add_argument("--force", action="store_true", help="renew even those renewed in the last day")
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
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from .core import logs

    logs.setup(os.environ.get("XCONN_LOG_DIR") or None)
    try:
        code = args.func(args)
        return code if isinstance(code, int) else EXIT_OK
    except XconnError as exc:
        _err(f"xconn: {exc.message}")
        if exc.next_step:
            _err(f"Next step: {exc.next_step}")
        return exc.exit_code
    except KeyboardInterrupt:
        _err("xconn: stopped.")
        return 4
    except Exception:
        import logging

        logging.getLogger("xconn.cli").exception("unexpected error")
        where = logs.log_path()
        _err("xconn: something unexpected went wrong." + (f" Details were written to {where}." if where else ""))
        return EXIT_ERROR
