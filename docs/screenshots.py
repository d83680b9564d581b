"""Regenerate docs/screenshots/*.png: the real window under Xvfb with openbox, sample data from the
local Xero stand-in.

    .venv/bin/python docs/screenshots.py [--appearance Light|Dark] [--dpi 144] [--out docs/screenshots]
                                         [--suffix -dark]

--dpi 144 plays 150 % display scaling (on a 1920x1080 screen); the default is 96 (100 %, 1366x768).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT / "tests" / "support", ROOT / "tests", ROOT):
    sys.path.insert(0, str(p))

CLIENT_ID = "0123456789ABCDEF0123456789ABCDEF"
OTHER_CLIENT = "FEDCBA9876543210FEDCBA9876543210"


def pump(window, seconds=0.3, until=None, timeout=20.0):
    end = time.monotonic() + (timeout if until else seconds)
    while time.monotonic() < end:
        window.update()
        if until and until():
            break
        time.sleep(0.01)
    for _ in range(5):
        window.update()
        time.sleep(0.02)


def shoot(widget, path: Path) -> None:
    """The window's client area as the person sees it (the window manager's frame left out)."""
    widget.update_idletasks()
    widget.update()
    time.sleep(0.3)
    widget.update()
    x, y = widget.winfo_rootx(), widget.winfo_rooty()
    w, h = widget.winfo_width(), widget.winfo_height()
    subprocess.run(
        ["import", "-window", "root", "-crop", f"{w}x{h}+{max(0, x)}+{max(0, y)}", "+repage", str(path)], check=True
    )
    print("wrote", path)


def follow(url):
    import requests

    threading.Thread(target=lambda: requests.get(url, timeout=10), daemon=True).start()


def sample_data(service, standin, free_port):
    """Connections in every status, and some capture profiles."""
    from xconn_app.core.model import now

    urls = [f"http://localhost:{free_port()}/callback" for _ in range(4)]
    standin.register_app(CLIENT_ID, urls)
    standin.register_app(OTHER_CLIENT, urls)

    def authorized(name, client, url, tenant):
        standin.tenants = [{"tenantName": tenant, "tenantType": "ORGANISATION"}]
        conn = service.add(name, client, url)
        service.accept(service.authorize(conn.id, open_browser=False, on_url=follow))
        return conn

    head = authorized("Head office", CLIENT_ID, urls[0], "Harbour Logistics Ltd")
    au = authorized("Sydney branch", OTHER_CLIENT, urls[1], "Harbour Logistics (AU) Pty")
    old = authorized("Kiwi Freight (acquired)", CLIENT_ID, urls[2], "Kiwi Freight Services")
    service.add("Test company", CLIENT_ID, "http://localhost:5000/callback")
    standin.tenants = [{"tenantName": "Harbour Payroll Ltd", "tenantType": "ORGANISATION"}]
    payroll = service.add("Payroll archive", OTHER_CLIENT, urls[3])
    service.authorize(payroll.id, open_browser=False, on_url=follow)  # authorized, no organisation chosen yet
    with service.grants.edit() as grants:  # last renewed 50 days ago: expires soon
        grants[au.id].authorized_at = grants[au.id].last_refresh = now() - 50 * 86400
    service.broker.mark_needs_reauthorization(service.get(old.id), "Xero said invalid_grant when renewing the token")
    for name, conn in [
        ("Accounts payable", head),
        ("Expense receipts", head),
        ("Supplier statements", head),
        ("AU invoices", au),
        ("Freight dockets", old),
        ("Archive import", None),
    ]:
        service.add_profile(name, conn.id if conn else None)
    return head, au, old, urls


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--appearance", default="Light")
    ap.add_argument("--dpi", type=int, default=96)
    ap.add_argument("--suffix", default="", help="added to each file name, e.g. -dark or -150")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scale = args.dpi / 96

    tmp = Path(tempfile.mkdtemp(prefix="xconn-shots-"))
    from isolation import isolated_env

    os.environ.update(isolated_env(tmp))
    import testca

    testca.install()
    from conftest import free_port
    from xero_standin import XeroStandIn
    from xvfb import Xvfb

    screen = "1920x1080x24" if scale > 1 else "1366x768x24"
    with Xvfb(screen, dpi=args.dpi), XeroStandIn(auto_consent=True) as standin:
        os.environ.update(standin.env())
        from recording import RecordingDialogs

        from xconn_app.core import logs
        from xconn_app.core.authflow import Phase
        from xconn_app.core.authorization import PendingAuthorization
        from xconn_app.core.service import Service
        from xconn_app.ui.app import MainWindow

        logs.setup(tmp / "logs")
        service = Service()
        head, _au, old, urls = sample_data(service, standin, free_port)
        win = MainWindow(service, dialogs=RecordingDialogs())
        win.set_appearance(args.appearance)
        win.geometry("1000x600+20+20")  # customtkinter scales it
        view = win.connections
        pump(win, until=lambda: len(view.tree.get_children()) == 5)
        view.select(head.id)
        pump(win, 0.8)
        shoot(win, out / f"main{args.suffix}.png")

        # Connection Definition, waiting for the browser.
        standin.auto_consent = False
        original_open = PendingAuthorization.open_browser
        PendingAuthorization.open_browser = lambda self: True
        dialog = view.add()
        pump(win, until=lambda: dialog.ready)
        dialog.name_field.set("Christchurch depot")
        dialog.client_field.set(CLIENT_ID)
        dialog.url_field.set(urls[0])
        pump(win, until=lambda: dialog.check_line.cget("text").startswith("✓"), timeout=5)
        dialog.authorize()
        pump(win, until=lambda: dialog.flow.view.phase is Phase.WAITING)
        pump(win, 2.2)
        shoot(dialog, out / f"definition-waiting{args.suffix}.png")
        dialog.flow.cancel()
        pump(win, 0.3)
        dialog.close()
        pump(win, 0.5)

        # ... and connected: two organisations, the one connected in this sign-in chosen.
        standin.auto_consent = True
        standin.tenants = [
            {"tenantName": "Harbour Logistics Ltd", "tenantType": "ORGANISATION"},
            {"tenantName": "Harbour Logistics Trust", "tenantType": "ORGANISATION"},
        ]
        standin.consent_tenants = ["Harbour Logistics Trust"]
        PendingAuthorization.open_browser = lambda self: follow(self.url) or True
        view.select(head.id)
        dialog = view.edit()
        pump(win, until=lambda: dialog.ready)
        dialog.authorize()
        pump(win, until=lambda: dialog.flow.view.phase is Phase.CHOOSING)
        pump(win, 1.0)
        shoot(dialog, out / f"definition-connected{args.suffix}.png")
        dialog.flow.discard()
        pump(win, 0.3)
        dialog.close()
        PendingAuthorization.open_browser = original_open
        pump(win, 0.5)

        view.select(old.id)
        pump(win, 0.3)
        details = view.details()
        pump(win, until=lambda: "Name:" in details.text)
        details.toggle_technical()
        pump(win, 0.3)
        shoot(details, out / f"details{args.suffix}.png")
        details.close()

        view.select(head.id)
        usage = view.usage()
        pump(win, until=lambda: len(usage.profile_names()) == 3)
        usage.select(["Expense receipts"])
        pump(win, 0.3)
        shoot(usage, out / f"usage{args.suffix}.png")
        usage.close()

        diagnose = view.diagnose()
        pump(win, until=lambda: diagnose.checks is not None, timeout=60)
        pump(win, 0.3)
        shoot(diagnose, out / f"diagnose{args.suffix}.png")
        diagnose.close()

        win.tabs.set("Profiles")
        win.refresh()
        pump(win, until=lambda: len(win.profiles.rows()) == 6)
        win.profiles.select("Accounts payable")
        pump(win, 0.5)
        shoot(win, out / f"profiles{args.suffix}.png")
        win.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
