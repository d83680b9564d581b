"""Regenerate docs/screenshots/*.png: the real window under Xvfb, sample data from the Xero stand-in.

    .venv/bin/python docs/screenshots.py [--appearance Light|Dark] [--out docs/screenshots]
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


def shoot(widget, path: Path, margin: int = 0) -> None:
    widget.update_idletasks()
    widget.update()
    time.sleep(0.25)
    widget.update()
    x, y = widget.winfo_rootx() - margin, widget.winfo_rooty() - margin
    w, h = widget.winfo_width() + 2 * margin, widget.winfo_height() + 2 * margin
    subprocess.run(["import", "-window", "root", "-crop", f"{w}x{h}+{max(0, x)}+{max(0, y)}", "+repage", str(path)],
                   check=True)
    print("wrote", path)


def sample_data(service, standin, free_port):
    """Connections in every status, and some capture profiles."""
    import requests

    from xconn_app.core.model import Grant, now

    urls = [f"http://localhost:{free_port()}/callback" for _ in range(3)]
    standin.register_app(CLIENT_ID, urls)
    standin.register_app(OTHER_CLIENT, urls)

    def follow(url):
        threading.Thread(target=lambda: requests.get(url, timeout=10), daemon=True).start()

    standin.tenants = [{"tenantName": "Harbour Logistics Ltd", "tenantType": "ORGANISATION"}]
    head = service.add("Head office", CLIENT_ID, urls[0])
    service.accept(service.authorize(head.id, open_browser=False, on_url=follow))
    standin.tenants = [{"tenantName": "Harbour Logistics (AU) Pty", "tenantType": "ORGANISATION"}]
    au = service.add("Sydney branch", OTHER_CLIENT, urls[1])
    service.accept(service.authorize(au.id, open_browser=False, on_url=follow))
    standin.tenants = [{"tenantName": "Kiwi Freight Services", "tenantType": "ORGANISATION"}]
    old = service.add("Kiwi Freight (acquired)", CLIENT_ID, urls[2])
    service.accept(service.authorize(old.id, open_browser=False, on_url=follow))
    service.add("Test company", CLIENT_ID, "http://localhost:5000/callback")
    payroll = service.add("Payroll archive", OTHER_CLIENT, "http://localhost:5001/callback")
    with service.registry.transaction() as data:
        for c in data.connections:
            if c.id == au.id:  # last renewed 50 days ago: expires soon
                for g in c.grants.values():
                    g.authorized_at = g.last_refresh = now() - 50 * 86400
            if c.id == old.id:
                for g in c.grants.values():
                    g.needs_reauthorization, g.reason = True, "Xero said invalid_grant when renewing the token"
            if c.id == payroll.id:
                c.grants["maria"] = Grant(authorized_at=now() - 3 * 86400, authorized_host="SCAN-02")
                c.authorized_by = "maria"
    for name, conn in [("Accounts payable", head), ("Expense receipts", head), ("Supplier statements", head),
                       ("AU invoices", au), ("Freight dockets", old), ("Archive import", None)]:
        service.add_profile(name, conn.id if conn else None)
    return head, au, old, urls


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--appearance", default="Light")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    tmp = Path(tempfile.mkdtemp(prefix="xconn-shots-"))
    os.environ.update({
        "XCONN_CONFIG_DIR": str(tmp / "config"), "XCONN_TEST_KEYRING": str(tmp / "keyring.json"),
        "XDG_STATE_HOME": str(tmp / "state"), "PYTHON_KEYRING_BACKEND": "filekeyring.FileKeyring",
    })
    from conftest import free_port
    from xero_standin import XeroStandIn
    from xvfb import Xvfb

    with Xvfb(), XeroStandIn(auto_consent=True) as standin:
        os.environ.update(standin.env())
        import customtkinter as ctk

        from xconn_app.core import logs
        from xconn_app.core.authorization import PendingAuthorization
        from xconn_app.core.service import Service
        from xconn_app.ui.app import MainWindow
        from xconn_app.ui.dialogs import RecordingDialogs

        logs.setup(tmp / "logs")
        service = Service()
        head, au, old, urls = sample_data(service, standin, free_port)
        win = MainWindow(service, dialogs=RecordingDialogs())
        win.set_appearance(args.appearance)  # the menu (built after the first paint) shows it
        win.geometry("1000x600+20+20")
        view = win.connections
        pump(win, until=lambda: len(view.tree.get_children()) == 5)
        view.select(head.id)
        pump(win, 0.5)
        shoot(win, out / "main.png")

        # Connection Definition, waiting for the browser.
        standin.auto_consent = False
        original_open = PendingAuthorization.open_browser
        PendingAuthorization.open_browser = lambda self: True
        dialog = view.add()
        dialog.name_field.var.set("Christchurch depot")
        dialog.client_field.var.set(CLIENT_ID)
        dialog.url_field.var.set(urls[0])
        pump(win, 0.2)
        dialog.authorize_button.invoke()
        pump(win, until=lambda: "Waiting" in dialog.wait_label.cget("text"))
        pump(win, 2.2)
        shoot(dialog, out / "definition-waiting.png")
        dialog.cancel_button.invoke()
        pump(win, 0.5)

        # ... and connected, with two organisations to choose from.
        import requests

        standin.auto_consent = True
        standin.tenants = [{"tenantName": "Harbour Logistics Ltd", "tenantType": "ORGANISATION"},
                           {"tenantName": "Harbour Logistics Trust", "tenantType": "ORGANISATION"}]
        PendingAuthorization.open_browser = lambda self: threading.Thread(
            target=lambda: requests.get(self.url, timeout=10), daemon=True).start() or True
        view.select(head.id)
        dialog = view.edit()
        pump(win, until=lambda: dialog.name_field.get() == "Head office")
        dialog.authorize_button.invoke()
        pump(win, until=lambda: dialog.flow.succeeded)
        pump(win, 0.8)
        shoot(dialog, out / "definition-connected.png")
        dialog.cancel_button.invoke()
        PendingAuthorization.open_browser = original_open
        pump(win, 0.5)

        view.select(head.id)
        details = view.details()
        pump(win, until=lambda: "Name:" in details.text)
        shoot(details, out / "details.png")
        details.close()

        usage = view.usage()
        pump(win, until=lambda: len(usage.profile_names()) == 3)
        usage.select(["Expense receipts"])
        pump(win, 0.3)
        shoot(usage, out / "usage.png")
        usage.close()

        win.tabs.set("Profiles")
        win.refresh()
        pump(win, until=lambda: len(win.profiles.rows()) == 6)
        win.profiles.select("Accounts payable")
        pump(win, 0.5)
        shoot(win, out / "profiles.png")
        win.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
