"""The Connections tab: the table, its search box, the re-authorization banner and the buttons."""

from __future__ import annotations

import customtkinter as ctk

from .background import run_in_background
from .widgets.fill import TableFill
from .widgets.theme import BANNER_BG, BANNER_TEXT, GAP, MUTED_TEXT, PAD, add_scrollbar, make_table, set_enabled, table_style

# Status, Client ID (32 characters) and date keep the widths their longest texts need ("Not
# authorized for this user", the bold "Last authorized" heading); name and tenant share the rest.
COLUMNS = [("name", "Name", 180), ("tenant", "Tenant", 180), ("status", "Status", 168, True),
           ("client_id", "Client ID", 246, True), ("authorized", "Last authorized", 122, True)]
PROGRESS_WIDTH = 120
CONTROL_HEIGHT = 28  # customtkinter's buttons and entries
SEARCH_DELAY_MS = 150  # filter this long after the last key: typing "head" filters once, not 4 times


def _secondary(**kw):
    return {"fg_color": "transparent", "border_width": 1, "text_color": ("gray10", "gray90"),
            "hover_color": ("gray85", "gray25"), **kw}


class ConnectionsView(ctk.CTkFrame):
    """Built in two steps: ``__init__`` makes what the first paint shows (the table, with room kept
    for the toolbar above it and the buttons below), ``build_controls()`` the toolbar and buttons
    right after that paint (MainWindow calls it). The banner and the Check-all progress are made
    when first needed."""

    def __init__(self, master, window):
        super().__init__(master, fg_color="transparent")
        self.window = window
        self.rows = []
        self._keys: list[str] = []  # casefolded "name\0tenant\0client id" per row, for the search
        self._shown: list = []
        self._search_applied = ""
        self._search_job = None
        self._have_rows = False
        self.loaded = False  # the registry was read and the table filled (or the read failed)
        self.controls_built = False
        self.dialog = None  # the dialog opened last (tests reach it here)
        self.checking = False
        self.banner = None
        self.progress = None

        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(2, weight=1)
        # The toolbar's and the button row's places are kept (their 28 px and the gap): the table
        # does not move when they come.
        scale = ctk.ScalingTracker.get_widget_scaling(self)
        self.grid_rowconfigure(1, minsize=round((CONTROL_HEIGHT + GAP) * scale))
        self.grid_rowconfigure(3, minsize=round((CONTROL_HEIGHT + PAD) * scale))
        frame, self.tree = make_table(self, COLUMNS, tree_column=34, scrollbar=False)
        self._table_frame = frame
        frame.grid(row=2, column=0, sticky="nsew", pady=(GAP, 0))
        self.fill = TableFill(self.tree)
        self.tree.bind("<Double-1>", self._double_click)
        self.tree.bind("<Return>", lambda _e: self.edit())
        self.tree.bind("<Delete>", lambda _e: self.delete())
        self.tree.bind("<<TreeviewSelect>>", lambda _e: self._update_buttons())

    @property
    def service(self):
        return self.window.service

    @property
    def dialogs(self):
        return self.window.dialogs

    # -- layout ----------------------------------------------------------------------------
    def build_controls(self) -> None:
        """The toolbar and the button row (MainWindow: right after the first paint)."""
        if self.controls_built:
            return
        self._build_toolbar()
        self._build_buttons()
        # Over the empty table until the rows are in (MainWindow starts reading them next).
        self.empty = ctk.CTkLabel(self._table_frame, text="Loading connections…", text_color=MUTED_TEXT,
                                  fg_color=("#F9F9FA", "#343638"))
        self.empty.place(relx=0.5, rely=0.55, anchor="center")
        self.controls_built = True
        self._update_buttons()

    def add_scrollbar(self) -> None:
        """The table's scrollbar (its place is kept): useless before the rows are read."""
        add_scrollbar(self._table_frame, self.tree)

    def _build_banner(self) -> None:
        self.banner = ctk.CTkFrame(self, fg_color=BANNER_BG, corner_radius=8)
        self.banner_text = ctk.CTkLabel(self.banner, text="", text_color=BANNER_TEXT, anchor="w",
                                        font=ctk.CTkFont(size=13, weight="bold"))
        self.banner_text.pack(side="left", fill="x", expand=True, padx=PAD, pady=GAP)

    def _build_toolbar(self) -> None:
        bar = self._toolbar = ctk.CTkFrame(self, fg_color="transparent")
        bar.grid(row=1, column=0, sticky="ew", pady=(GAP, 0))
        bar.grid_columnconfigure(0, weight=1)
        # No textvariable: customtkinter shows the placeholder only without one.
        self.search = ctk.CTkEntry(bar, width=320, placeholder_text="Search by name, tenant or client ID")
        self.search.grid(row=0, column=0, sticky="w")
        for sequence in ("<KeyRelease>", "<<Paste>>", "<<Cut>>"):
            self.search.bind(sequence, lambda _e: self._search_soon(), add="+")
        self.check_button = ctk.CTkButton(bar, text="Check all", width=100, command=self.check_all)
        self.history_button = ctk.CTkButton(bar, text="History", width=90, command=self.history, **_secondary())
        self.diagnose_button = ctk.CTkButton(bar, text="Diagnose", width=90, command=self.diagnose, **_secondary())
        self.check_button.grid(row=0, column=3, padx=(GAP, 0))
        self.history_button.grid(row=0, column=4, padx=(GAP, 0))
        self.diagnose_button.grid(row=0, column=5, padx=(GAP, 0))
        # Export… / Import… (ui/helpdesk.py): one menu button keeps the toolbar short.
        self.more_button = ctk.CTkButton(bar, text="More  ▾", width=90, command=self.more, **_secondary())
        self.more_button.grid(row=0, column=6, padx=(GAP, 0))

    def _build_buttons(self) -> None:
        row = self._button_row = ctk.CTkFrame(self, fg_color="transparent")
        row.grid(row=3, column=0, sticky="ew", pady=(PAD, 0))
        self.add_button = ctk.CTkButton(row, text="Add", width=96, command=self.add)
        self.edit_button = ctk.CTkButton(row, text="Edit", width=96, command=self.edit)
        self.delete_button = ctk.CTkButton(row, text="Delete", width=96, command=self.delete, **_secondary())
        self.details_button = ctk.CTkButton(row, text="Details", width=96, command=self.details, **_secondary())
        self.usage_button = ctk.CTkButton(row, text="Usage", width=96, command=self.usage, **_secondary())
        for i, b in enumerate((self.add_button, self.edit_button, self.delete_button, self.details_button,
                               self.usage_button)):
            b.grid(row=0, column=i, padx=(0 if i == 0 else GAP, 0))
        # The count on the right; while Check all runs, its progress takes that place (see check_all).
        row.grid_columnconfigure(10, weight=1)
        self.count_label = ctk.CTkLabel(row, text="", text_color=MUTED_TEXT, anchor="e")
        self.count_label.grid(row=0, column=11, sticky="e")

    def _build_progress(self) -> None:
        row = self._button_row
        self._progress_font = ctk.CTkFont()
        self.progress_label = ctk.CTkLabel(row, text="", text_color=MUTED_TEXT, anchor="e", font=self._progress_font)
        self.progress = ctk.CTkProgressBar(row, width=PROGRESS_WIDTH, mode="determinate")

    # -- data ------------------------------------------------------------------------------
    def refresh(self, then=None) -> None:
        """Reload the rows from the registry off the Tk thread."""

        def done(rows):
            self.rows = rows
            self._keys = ["\0".join((r.connection.name, r.connection.tenant_name or "", r.connection.client_id))
                          .casefold() for r in rows]
            self._have_rows = True

            def filled():
                self.loaded = True
                if then:
                    then()

            self.show_rows(then=filled)

        run_in_background(self, self.service.rows, done, self._failed)

    def _failed(self, exc) -> None:
        self.loaded = True
        self.empty.configure(text="The connection list could not be read.")
        self.dialogs.error(exc)

    def search_text(self) -> str:
        return self.search.get() if self.controls_built else ""  # "" while the placeholder shows

    def set_search(self, text: str) -> None:
        """Type ``text`` into the search box and filter at once (no wait for more keys)."""
        self.search.delete(0, "end")
        if text:
            self.search.insert(0, text)
        self.show_rows()

    def _search_soon(self) -> None:
        """Keys in the search box: filter 150 ms after the last one, and only if the text changed."""
        if self._search_job is not None:
            self.after_cancel(self._search_job)
        self._search_job = self.after(SEARCH_DELAY_MS, self._search_now)

    def _search_now(self) -> None:
        self._search_job = None
        if self.search_text().strip().casefold() != self._search_applied:
            self.show_rows()

    def visible_rows(self):
        needle = self.search_text().strip().casefold()
        if not needle:
            return list(self.rows)
        return [r for r, key in zip(self.rows, self._keys) if needle in key]

    def _table_row(self, row, index):
        c = row.connection
        grant = c.grant_for()
        status = row.status.value
        return (c.id, self._style.dot(status).name,
                (c.name, c.tenant_name or "—", row.status_text, c.client_id,
                 self._iso(grant.authorized_at) if grant else "—"),
                (status, "odd" if index % 2 else "even"))

    def show_rows(self, then=None) -> None:
        """Show the rows matching the search; the first screenful at once, the rest in slices."""
        if self._search_job is not None:
            self.after_cancel(self._search_job)
            self._search_job = None
        from ..core.model import iso

        selected = self.selected_id()
        self._style, self._iso = table_style(self), iso
        self._search_applied = self.search_text().strip().casefold()
        rows = self._shown = self.visible_rows()

        def all_in():
            if selected and not self.tree.selection() and self.tree.exists(selected):
                self.tree.selection_set(selected)
                self.tree.see(selected)
            if then:
                then()

        self.fill.start(rows, self._table_row, all_in)
        tree = self.tree
        if selected and tree.exists(selected):
            tree.selection_set(selected)
            tree.see(selected)
        elif rows and not tree.selection() and not (selected and not self.fill.done):
            tree.selection_set(rows[0].connection.id)
        if not self.rows:
            self.empty.configure(text="No connections yet. Press Add to create one." if self._have_rows
                                 else "Loading connections…")
            self.empty.place(relx=0.5, rely=0.55, anchor="center")
        elif not rows:
            self.empty.configure(text="No connection matches the search.")
            self.empty.place(relx=0.5, rely=0.55, anchor="center")
        else:
            self.empty.place_forget()
        self._update_count()
        self._update_banner()
        self._update_buttons()

    def _update_count(self) -> None:
        if not self.controls_built:
            return
        shown, total = len(self._shown), len(self.rows)
        self.count_label.configure(text=f"{shown:,} of {total:,} connections" if shown != total
                                   else f"{total:,} connection{'s' if total != 1 else ''}")

    def _update_banner(self) -> None:
        from ..core.model import Status

        needing = [r for r in self.rows if r.status == Status.NEEDS_REAUTHORIZATION]
        if needing:
            if self.banner is None:
                self._build_banner()
            n = len(needing)
            what = f"{n:,} connections need" if n != 1 else f"1 connection ('{needing[0].connection.name}') needs"
            self.banner_text.configure(text=f"⚠  {what} re-authorization: select one and press Edit, then Authorize.")
            self.banner.grid(row=0, column=0, sticky="ew", pady=(0, 0))
        elif self.banner is not None:
            self.banner.grid_forget()

    @property
    def banner_message(self) -> str:
        return self.banner_text.cget("text") if self.banner is not None and self.banner.winfo_manager() else ""

    def selected_id(self) -> str | None:
        sel = self.tree.selection()
        return sel[0] if sel else None

    def select(self, connection_id: str) -> None:
        if not self.fill.done:  # still filling in: select it once it is in
            self.fill.when_done(lambda: self.select(connection_id))
            return
        if self.tree.exists(connection_id):
            self.tree.selection_set(connection_id)
            self.tree.focus(connection_id)
            self.tree.see(connection_id)
            self._update_buttons()

    def _row(self, connection_id):
        return next((r for r in self.rows if r.connection.id == connection_id), None)

    def _update_buttons(self) -> None:
        if not self.controls_built:
            return
        state = "normal" if self.selected_id() else "disabled"
        for b in (self.delete_button, self.details_button, self.usage_button):
            b.configure(state=state)
        set_enabled(self.edit_button, state == "normal")
        set_enabled(self.check_button, not self.checking and bool(self.rows))

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

        from ..core.model import Status

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
        if self.progress is None:
            self._build_progress()
        self.progress.set(0)
        # In the button row, where the count was: the search box above keeps its width.
        self.count_label.grid_remove()
        self.progress_label.grid(row=0, column=11, sticky="e", padx=(PAD, GAP))
        self.progress.grid(row=0, column=12, sticky="e")
        CheckRun(self, [r.connection.id for r in self.rows], self._check_progress, self._check_done).start()

    def _check_progress(self, done: int, total: int, name: str) -> None:
        self.progress.set(done / total if total else 1)
        if done >= total:
            self.progress_label.configure(text="Done")
            return
        self.progress_label.configure(text=self._fit(name, f" ({done + 1:,} of {total:,})"))

    def _fit(self, name: str, tail: str) -> str:
        """"Checking <name> (n of N)", the name shortened with "…" to fit beside the buttons."""
        row, font = self._button_row, self._progress_font
        scale = ctk.ScalingTracker.get_widget_scaling(self)
        used = self.usage_button.winfo_x() + self.usage_button.winfo_width()
        room = (row.winfo_width() - used) / scale - (PAD + GAP) - PROGRESS_WIDTH - 4
        text = f"Checking {name}{tail}"
        while font.measure(text) > room and len(name) > 1:
            name = name[:-1].rstrip()
            text = f"Checking {name}…{tail}"
        return text

    def _check_done(self, results) -> None:
        self.checking = False
        self.progress.grid_forget()
        self.progress_label.grid_forget()
        self.count_label.grid()
        self.last_check = results
        from .reports import check_summary

        def summarise():
            self._update_buttons()
            title, text = check_summary(results)
            self.dialogs.info(title, text)

        self.refresh(then=summarise)
