"""The Connections tab: the table, its search box, the re-authorization banner and the buttons."""

from __future__ import annotations

import customtkinter as ctk

from ..core.model import Status, iso
from .background import run_in_background
from .widgets.theme import BANNER_BG, BANNER_TEXT, GAP, MUTED_TEXT, PAD, make_table

COLUMNS = [("name", "Name", 175), ("tenant", "Tenant", 185), ("status", "Status", 170),
           ("client_id", "Client ID", 245), ("authorized", "Last authorized", 125)]


def _secondary(**kw):
    return {"fg_color": "transparent", "border_width": 1, "text_color": ("gray10", "gray90"),
            "hover_color": ("gray85", "gray25"), **kw}


class ConnectionsView(ctk.CTkFrame):
    def __init__(self, master, window):
        super().__init__(master, fg_color="transparent")
        self.window = window
        self.service = window.service
        self.dialogs = window.dialogs
        self.rows = []
        self.loaded = False
        self.dialog = None  # the dialog opened last (tests reach it here)
        self.checking = False

        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(2, weight=1)
        self._build_banner()
        self._build_toolbar()
        frame, self.tree = make_table(self, COLUMNS, tree_column=34)
        frame.grid(row=2, column=0, sticky="nsew", pady=(GAP, 0))
        self.empty = ctk.CTkLabel(frame, text="Loading connections…", text_color=MUTED_TEXT,
                                  fg_color=("#F9F9FA", "#343638"))
        self.empty.place(relx=0.5, rely=0.55, anchor="center")
        self._build_buttons()
        self.tree.bind("<Double-1>", self._double_click)
        self.tree.bind("<Return>", lambda _e: self.edit())
        self.tree.bind("<Delete>", lambda _e: self.delete())
        self.tree.bind("<<TreeviewSelect>>", lambda _e: self._update_buttons())
        self._update_buttons()

    # -- layout ----------------------------------------------------------------------------
    def _build_banner(self) -> None:
        self.banner = ctk.CTkFrame(self, fg_color=BANNER_BG, corner_radius=8)
        self.banner_text = ctk.CTkLabel(self.banner, text="", text_color=BANNER_TEXT, anchor="w",
                                        font=ctk.CTkFont(size=13, weight="bold"))
        self.banner_text.pack(side="left", fill="x", expand=True, padx=PAD, pady=GAP)

    def _build_toolbar(self) -> None:
        bar = ctk.CTkFrame(self, fg_color="transparent")
        bar.grid(row=1, column=0, sticky="ew", pady=(GAP, 0))
        bar.grid_columnconfigure(0, weight=1)
        # No textvariable: customtkinter shows the placeholder only without one.
        self.search = ctk.CTkEntry(bar, width=320, placeholder_text="Search by name, tenant or client ID")
        self.search.grid(row=0, column=0, sticky="w")
        for sequence in ("<KeyRelease>", "<<Paste>>", "<<Cut>>"):
            self.search.bind(sequence, lambda _e: self.after_idle(self.show_rows), add="+")
        self.progress = ctk.CTkProgressBar(bar, width=140, mode="determinate")
        self.progress.set(0)
        self.progress_label = ctk.CTkLabel(bar, text="", text_color=MUTED_TEXT)
        self.check_button = ctk.CTkButton(bar, text="Check all", width=100, command=self.check_all)
        self.history_button = ctk.CTkButton(bar, text="History", width=90, command=self.history, **_secondary())
        self.diagnose_button = ctk.CTkButton(bar, text="Diagnose", width=90, command=self.diagnose, **_secondary())
        self.check_button.grid(row=0, column=3, padx=(GAP, 0))
        self.history_button.grid(row=0, column=4, padx=(GAP, 0))
        self.diagnose_button.grid(row=0, column=5, padx=(GAP, 0))
        # Export… / Import… (ui/helpdesk.py): one menu button keeps the toolbar short.
        self.more_button = ctk.CTkButton(bar, text="More  ▾", width=90, command=self.more, **_secondary())
        self.more_button.grid(row=0, column=6, padx=(GAP, 0))
        self._toolbar = bar

    def _build_buttons(self) -> None:
        row = ctk.CTkFrame(self, fg_color="transparent")
        row.grid(row=3, column=0, sticky="ew", pady=(PAD, 0))
        self.add_button = ctk.CTkButton(row, text="Add", width=96, command=self.add)
        self.edit_button = ctk.CTkButton(row, text="Edit", width=96, command=self.edit)
        self.delete_button = ctk.CTkButton(row, text="Delete", width=96, command=self.delete, **_secondary())
        self.details_button = ctk.CTkButton(row, text="Details", width=96, command=self.details, **_secondary())
        self.usage_button = ctk.CTkButton(row, text="Usage", width=96, command=self.usage, **_secondary())
        for i, b in enumerate((self.add_button, self.edit_button, self.delete_button, self.details_button,
                               self.usage_button)):
            b.grid(row=0, column=i, padx=(0 if i == 0 else GAP, 0))
        self.count_label = ctk.CTkLabel(row, text="", text_color=MUTED_TEXT, anchor="e")
        row.grid_columnconfigure(10, weight=1)
        self.count_label.grid(row=0, column=10, sticky="e")

    # -- data ------------------------------------------------------------------------------
    def refresh(self, then=None) -> None:
        """Reload the rows from the registry off the Tk thread."""

        def done(rows):
            self.rows = rows
            self.loaded = True
            self.show_rows()
            if then:
                then()

        run_in_background(self, self.service.rows, done, self._failed)

    def _failed(self, exc) -> None:
        self.loaded = True
        self.empty.configure(text="The connection list could not be read.")
        self.dialogs.error(exc)

    def search_text(self) -> str:
        return self.search.get()  # "" while the placeholder shows

    def set_search(self, text: str) -> None:
        self.search.delete(0, "end")
        if text:
            self.search.insert(0, text)
        self.show_rows()

    def visible_rows(self):
        needle = self.search_text().strip().casefold()
        if not needle:
            return list(self.rows)
        return [r for r in self.rows if any(needle in (v or "").casefold() for v in
                                            (r.connection.name, r.connection.tenant_name, r.connection.client_id))]

    def show_rows(self) -> None:
        selected = self.selected_id()
        tree = self.tree
        tree.delete(*tree.get_children())
        style = self.tree._root()._xconn_table_style
        rows = self.visible_rows()
        for i, row in enumerate(rows):
            c = row.connection
            grant = c.grant_for()
            status = row.status.value
            tree.insert("", "end", iid=c.id, image=style.dots[status],
                        values=(c.name, c.tenant_name or "—", row.status_text, c.client_id,
                                iso(grant.authorized_at) if grant else "—"),
                        tags=(status, "odd" if i % 2 else "even"))
        if selected and tree.exists(selected):
            tree.selection_set(selected)
            tree.see(selected)
        elif rows and not tree.selection():
            tree.selection_set(rows[0].connection.id)
        if not self.rows:
            self.empty.configure(text="No connections yet. Press Add to create one." if self.loaded
                                 else "Loading connections…")
            self.empty.place(relx=0.5, rely=0.55, anchor="center")
        elif not rows:
            self.empty.configure(text="No connection matches the search.")
            self.empty.place(relx=0.5, rely=0.55, anchor="center")
        else:
            self.empty.place_forget()
        total = len(self.rows)
        self.count_label.configure(text=f"{len(rows)} of {total} connections" if len(rows) != total
                                   else f"{total} connection{'s' if total != 1 else ''}")
        self._update_banner()
        self._update_buttons()

    def _update_banner(self) -> None:
        needing = [r for r in self.rows if r.status == Status.NEEDS_REAUTHORIZATION]
        if needing:
            n = len(needing)
            what = f"{n} connections need" if n != 1 else f"1 connection ('{needing[0].connection.name}') needs"
            self.banner_text.configure(text=f"⚠  {what} re-authorization: select one and press Edit, then Authorize.")
            self.banner.grid(row=0, column=0, sticky="ew", pady=(0, 0))
        else:
            self.banner.grid_forget()

    @property
    def banner_message(self) -> str:
        return self.banner_text.cget("text") if self.banner.winfo_manager() else ""

    def selected_id(self) -> str | None:
        sel = self.tree.selection()
        return sel[0] if sel else None

    def select(self, connection_id: str) -> None:
        if self.tree.exists(connection_id):
            self.tree.selection_set(connection_id)
            self.tree.focus(connection_id)
            self.tree.see(connection_id)
            self._update_buttons()

    def _row(self, connection_id):
        return next((r for r in self.rows if r.connection.id == connection_id), None)

    def _update_buttons(self) -> None:
        state = "normal" if self.selected_id() else "disabled"
        for b in (self.edit_button, self.delete_button, self.details_button, self.usage_button):
            b.configure(state=state)
        self.check_button.configure(state="disabled" if self.checking or not self.rows else "normal")

    def _double_click(self, event) -> None:
        if self.tree.identify_row(event.y):
            self.edit()

    def _need_selection(self) -> str | None:
        cid = self.selected_id()
        if not cid:
            self.dialogs.info("Select a connection", "Select a connection in the list first.")
        return cid

    # -- actions ---------------------------------------------------------------------------
    def add(self):
        from .definition import DefinitionDialog

        self.dialog = DefinitionDialog(self, self.service, None, dialogs=self.dialogs, on_saved=self._saved)
        return self.dialog

    def edit(self):
        cid = self._need_selection()
        if not cid:
            return None
        from .definition import DefinitionDialog

        row = self._row(cid)
        reauth = bool(row and row.status == Status.NEEDS_REAUTHORIZATION)
        self.dialog = DefinitionDialog(self, self.service, cid, dialogs=self.dialogs, on_saved=self._saved,
                                       needs_reauthorization=reauth)
        return self.dialog

    def _saved(self, connection_id: str | None) -> None:
        if self.window._profiles is not None:
            self.window.profiles.refresh()
        self.refresh(then=(lambda: self.select(connection_id)) if connection_id else None)

    def delete(self):
        cid = self._need_selection()
        if not cid:
            return None
        from .delete import DeleteDialog

        self.dialog = DeleteDialog(self, self.service, cid, dialogs=self.dialogs, on_done=lambda _c: self.window.refresh())
        return self.dialog

    def details(self):
        cid = self._need_selection()
        if not cid:
            return None
        from .dialogs import TextDialog, facts_pieces

        name = self._row(cid).connection.name if self._row(cid) else "Connection"
        dialog = self.dialog = TextDialog(self, f"Details — {name}", "Loading…", heading=name, height=340)
        dialog.show()

        def show(facts):
            dialog.set_text("", facts_pieces(facts))

        def failed(exc):
            dialog.close()
            self.dialogs.error(exc)

        run_in_background(dialog, lambda: self.service.details(cid), show, failed)
        return dialog

    def usage(self):
        cid = self._need_selection()
        if not cid:
            return None
        from .usage import UsageDialog

        self.dialog = UsageDialog(self, self.service, cid, dialogs=self.dialogs, on_changed=self.window.refresh)
        return self.dialog

    def history(self):
        from .reports import HistoryDialog

        cid = self.selected_id()
        self.dialog = HistoryDialog(self, self.service, cid, self._row(cid).connection.name if cid and self._row(cid) else None)
        return self.dialog

    def more(self) -> None:
        from .helpdesk import open_more_menu

        open_more_menu(self)

    def diagnose(self):
        from .reports import DiagnoseDialog

        self.dialog = DiagnoseDialog(self, self.service, dialogs=self.dialogs)
        return self.dialog

    def check_all(self) -> None:
        from .reports import CheckRun

        if self.checking or not self.rows:
            return
        self.checking = True
        self._update_buttons()
        self.progress.set(0)
        self.progress_label.grid(row=0, column=1, padx=(PAD, GAP))
        self.progress.grid(row=0, column=2)
        CheckRun(self, [r.connection.id for r in self.rows], self._check_progress, self._check_done).start()

    def _check_progress(self, done: int, total: int, name: str) -> None:
        self.progress.set(done / total if total else 1)
        self.progress_label.configure(text=f"Checking {name}…" if done < total else "Done")

    def _check_done(self, results) -> None:
        self.checking = False
        self.progress.grid_forget()
        self.progress_label.grid_forget()
        self.last_check = results
        from .reports import check_summary

        def summarise():
            self._update_buttons()
            title, text = check_summary(results)
            self.dialogs.info(title, text)

        self.refresh(then=summarise)
