"""Check all, History and Diagnose: the views that report on every connection."""

from __future__ import annotations

import customtkinter as ctk

from ..core.errors import XconnError
from .background import run_in_background
from .dialogs import Modal, TextDialog, describe
from .widgets.theme import GAP, MUTED_TEXT, PAD, header_font, make_table


class CheckRun:
    """Checks connections one after another, each on a worker thread; reports progress on the Tk thread."""

    def __init__(self, widget, ids: list[str], on_progress, on_done):
        self.widget, self.ids, self.on_progress, self.on_done = widget, list(ids), on_progress, on_done
        self.results = []
        self.service = widget.service

    def start(self) -> None:
        self._next()

    def _next(self) -> None:
        index = len(self.results)
        if index >= len(self.ids):
            self.on_progress(len(self.ids), len(self.ids), "")
            self.on_done(self.results)
            return
        cid = self.ids[index]
        row = next((r for r in getattr(self.widget, "rows", []) if r.connection.id == cid), None)
        self.on_progress(index, len(self.ids), row.connection.name if row else "")
        run_in_background(self.widget, lambda: self.service.check(cid), self._got, lambda exc: self._failed(cid, exc))

    def _got(self, result) -> None:
        self.results.append(result)
        self._next()

    def _failed(self, cid, exc) -> None:
        if not isinstance(exc, XconnError):
            describe(exc)  # logs it
        self.results.append(exc)
        self._next()


def check_summary(results) -> tuple[str, str]:
    """(title, text) for the message box after Check all."""
    problems, unexpected = [], 0
    ok = 0
    for r in results:
        if isinstance(r, BaseException):
            if isinstance(r, XconnError):
                problems.append(f"• {r.message}" + (f"\n   → {r.next_step}" if r.next_step else ""))
            else:
                unexpected += 1
        elif r.ok:
            ok += 1
        else:
            problems.append(f"• {r.connection.name}: {r.message}" + (f"\n   → {r.next_step}" if r.next_step else ""))
    total = len(results)
    if not problems and not unexpected:
        return "All connections work", f"All {total} connection{'s' if total != 1 else ''} answered Xero correctly."
    lines = [f"{ok} of {total} connection{'s' if total != 1 else ''} work. These need attention:", ""] + problems
    if unexpected:
        from .dialogs import unexpected_text

        lines += ["", unexpected_text()]
    return "Some connections need attention", "\n".join(lines)


class HistoryDialog(Modal):
    """What happened to a connection (or to all of them): when, who, on which computer, what."""

    COLUMNS = [("at", "When", 150), ("who", "Who", 150), ("what", "What", 150), ("connection", "Connection", 150),
               ("detail", "Detail", 320)]

    THIS, ALL = "This connection", "All connections"

    def __init__(self, master, service, connection_id=None, name=None):
        super().__init__(master, f"History — {name}" if name else "History — all connections", resizable=True)
        self.service = service
        self.connection_id, self.name = connection_id, name
        self.minsize(640, 320)
        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(1, weight=1)
        head = ctk.CTkFrame(self, fg_color="transparent")
        head.grid(row=0, column=0, sticky="ew", padx=PAD * 2, pady=(PAD * 2, GAP))
        head.grid_columnconfigure(0, weight=1)
        self.heading = ctk.CTkLabel(head, text=f"History of {name}" if name else "History of all connections",
                                    font=header_font(), anchor="w")
        self.heading.grid(row=0, column=0, sticky="ew")
        # A selected connection opens its own history; exports, imports and keep-alive runs are in All.
        self.scope = None
        if connection_id:
            self.scope = ctk.CTkSegmentedButton(head, values=[self.THIS, self.ALL], command=self._scope_changed)
            self.scope.set(self.THIS)
            self.scope.grid(row=0, column=1, sticky="e", padx=(PAD, 0))
        frame, self.tree = make_table(self, self.COLUMNS, height=14)
        frame.configure(width=880)
        frame.grid(row=1, column=0, sticky="nsew", padx=PAD * 2)
        row = ctk.CTkFrame(self, fg_color="transparent")
        row.grid(row=2, column=0, sticky="ew", padx=PAD * 2, pady=PAD * 2)
        self.count = ctk.CTkLabel(row, text="Loading…", text_color=MUTED_TEXT)
        self.count.pack(side="left")
        ctk.CTkButton(row, text="Close", width=96, command=self.close).pack(side="right")
        self.entries = []
        self._loads = 0
        self.show()
        self._load(connection_id)

    @property
    def showing_all(self) -> bool:
        return self.scope is None or self.scope.get() == self.ALL

    def _scope_changed(self, value) -> None:
        everything = value == self.ALL
        self.heading.configure(text="History of all connections" if everything else f"History of {self.name}")
        self.title("History — all connections" if everything else f"History — {self.name}")
        self._load(None if everything else self.connection_id)

    def _load(self, connection_id) -> None:
        self._loads += 1
        load = self._loads
        self.count.configure(text="Loading…")
        run_in_background(self, lambda: self.service.history(connection_id),
                          lambda entries: self._fill(entries) if load == self._loads else None,
                          lambda exc: self._failed(exc) if load == self._loads else None)

    def _fill(self, entries) -> None:
        self.entries = entries
        self.tree.delete(*self.tree.get_children())
        for i, e in enumerate(reversed(entries)):  # newest first
            at = str(e.get("at", "")).replace("T", " ")[:16]
            self.tree.insert("", "end", values=(at, f"{e.get('user', '')}@{e.get('host', '')}", e.get("what", ""),
                                                e.get("connection", ""), e.get("detail", "")),
                             tags=("odd" if i % 2 else "even",))
        self.count.configure(text=f"{len(entries)} entr{'ies' if len(entries) != 1 else 'y'}")

    def _failed(self, exc) -> None:
        self.count.configure(text=describe(exc)[1])


class DiagnoseDialog(TextDialog):
    """Runs service.doctor() off the Tk thread and shows pass / fail marks with the fixes."""

    def __init__(self, master, service, *, dialogs):
        super().__init__(master, "Diagnose", "Checking this computer…", heading="Diagnose xconn on this computer",
                         copy_label="Copy report", height=320)
        self.service = service
        self.dialogs = dialogs
        self.checks = None
        self.report = ""
        self.copy_button.configure(state="disabled")
        self.show()
        if not hasattr(service, "doctor"):
            self.set_text("Diagnosis is not available in this version of xconn.")
            return
        run_in_background(self, service.doctor, self._show_checks, self._failed)

    def _show_checks(self, checks) -> None:
        self.checks = checks
        pieces = []
        for c in checks:
            ok = bool(getattr(c, "ok", False))
            pieces.append(("✔  " if ok else "✘  ", "ok" if ok else "bad"))
            pieces.append((f"{getattr(c, 'name', '')}", ""))
            detail = getattr(c, "detail", "")
            pieces.append((f" — {detail}\n" if detail else "\n", "label"))
            fix = getattr(c, "fix", "")
            if not ok and fix:
                pieces.append((f"     → {fix}\n", ""))
        self.set_text("", pieces)
        try:
            self.report = self.service.doctor_report(checks)
        except Exception:  # noqa: BLE001 - fall back to the text shown
            self.report = self.text
        bad = sum(1 for c in checks if not getattr(c, "ok", False))
        self.status.configure(text="Everything looks right." if not bad else f"{bad} problem{'s' if bad != 1 else ''} found.")
        self.copy_button.configure(state="normal")

    def _failed(self, exc) -> None:
        title, text = describe(exc)
        self.set_text(f"{title}\n\n{text}")

    def copy(self) -> None:
        self.clipboard_clear()
        self.clipboard_append(self.report or self.text)
        self.status.configure(text="Report copied to the clipboard.")
