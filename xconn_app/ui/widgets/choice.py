"""A drop-down for a list that can hold thousands of names (connections), and its search picker.

Up to MENU_MAX names drop down as a normal customtkinter menu. A longer list drops down the
current name and the first few, then "Search all N…", which opens ``ChoicePicker``: a search box
over the whole list (matches shown as you type). A 10,000-entry Tk menu would take ~100 ms to
build every time the list changes and could not be used anyway.
"""

from __future__ import annotations

import customtkinter as ctk

from .keys import Button, Choice, Entry
from .theme import GAP, MUTED_TEXT, PAD

MENU_MAX = 25  # a list this long or shorter drops down whole
MENU_SHOWN = 12  # a longer one: this many names before "Search all N…"
PICKER_ROWS = 300  # the picker lists at most this many matches (type to narrow)
SEARCH_DELAY_MS = 120


class LongChoice(Choice):
    """CTkOptionMenu's look and its get/set/configure(values=..., state=...)/cget("values"), for
    a list of any length. ``fixed`` names (e.g. "(no connection)") always lead the short menu."""

    def __init__(self, master, *, values=(), fixed=(), command=None, picker_title="Choose", **kw):
        self._all = list(values)
        self._fixed = list(fixed)
        self._user_command = command
        self._picker_title = picker_title
        self.picker = None  # the open ChoicePicker (tests reach it here)
        super().__init__(master, values=self._menu_values(), command=self._chosen, **kw)
        self._value = super().get()

    @property
    def search_label(self) -> str:
        return f"Search all {len(self._all):,}…"

    def _long(self) -> bool:
        return len(self._fixed) + len(self._all) > MENU_MAX

    def _menu_values(self, current: str | None = None) -> list[str]:
        if not self._long():
            return (self._fixed + self._all) or [""]
        shown = (self._fixed + self._all[:MENU_SHOWN])[:MENU_SHOWN]
        if current and current not in shown:
            shown.append(current)
        return [*shown, self.search_label]

    # -- the CTkOptionMenu interface -------------------------------------------------------
    def choices(self) -> list[str]:
        return self._fixed + self._all

    def configure(self, require_redraw=False, **kwargs):
        if "command" in kwargs:
            self._user_command = kwargs.pop("command")
        if "values" in kwargs:
            self._all = list(kwargs.pop("values"))
            kwargs["values"] = self._menu_values(getattr(self, "_value", None))
        super().configure(require_redraw=require_redraw, **kwargs)

    def cget(self, attribute_name: str):
        if attribute_name == "values":
            return self._fixed + self._all
        if attribute_name == "command":
            return self._user_command
        return super().cget(attribute_name)

    def set(self, value: str) -> None:
        self._value = value
        super().set(value)
        if self._long():  # keep the current name in the short menu
            super().configure(values=self._menu_values(value))

    def get(self) -> str:
        return self._value

    # -- choosing --------------------------------------------------------------------------
    def _chosen(self, value: str) -> None:
        if self._long() and value == self.search_label:
            super().set(self._value)  # the menu already showed "Search all…" in the box
            self.open_picker()
            return
        self._pick(value)

    def _pick(self, value: str) -> None:
        self.set(value)
        if self._user_command is not None:
            self._user_command(value)

    def pick(self, value: str) -> None:
        self._pick(value)

    config = configure

    def open_picker(self) -> ChoicePicker:
        self.picker = ChoicePicker(self, self._picker_title, self._fixed + self._all, self._value, self._picked)
        return self.picker

    def _picked(self, value: str | None) -> None:
        self.picker = None
        if value is not None:
            self._pick(value)


class ChoicePicker:
    """A small modal window: a search box and the matching names; Enter or double-click picks."""

    def __init__(self, field, title: str, names: list[str], current: str, on_done):
        from ..dialogs import Modal
        from .table import Column, Table

        self.names = names
        self._keys = [n.casefold() for n in names]
        self.on_done = on_done
        self._job = None
        self._answered = False
        self.window = window = Modal(field, title, resizable=True, on_escape=self.cancel, on_enter=self.choose)
        window.minsize(360, 360)
        window.grid_columnconfigure(0, weight=1)
        window.grid_rowconfigure(2, weight=1)
        self.search = Entry(window, width=360, placeholder_text=f"Type to search {len(names):,} names")
        self.search.grid(row=0, column=0, sticky="ew", padx=PAD * 2, pady=(PAD * 2, GAP))
        self.count = ctk.CTkLabel(window, text="", text_color=MUTED_TEXT, anchor="w")
        self.count.grid(row=1, column=0, sticky="ew", padx=PAD * 2)
        self.table = Table(window, [Column("name", "Name", 340, grow=1)], height=10)
        self.tree = self.table.tree
        self.table.frame.grid(row=2, column=0, sticky="nsew", padx=PAD * 2)
        row = ctk.CTkFrame(window, fg_color="transparent")
        row.grid(row=3, column=0, sticky="ew", padx=PAD * 2, pady=PAD * 2)
        self.cancel_button = Button(row, "Cancel", kind="secondary", width=96, command=self.cancel)
        self.cancel_button.pack(side="right")
        self.ok_button = Button(row, "Choose", width=96, command=self.choose)
        self.ok_button.pack(side="right", padx=(0, GAP))
        self.search.bind("<KeyRelease>", self._key, add="+")
        self.search.bind("<Down>", lambda _e: self._focus_list(), add="+")
        self.tree.bind("<Double-1>", lambda e: self.choose() if self.tree.identify_row(e.y) else None)
        self.tree.bind("<<TreeviewSelect>>", lambda _e: self._update_button())
        self._applied = None
        self.show_matches(current_first=current)
        window.set_tab_order(lambda: [self.search, self.tree, self.ok_button, self.cancel_button])
        window.show(self.search)

    def matches(self) -> list[int]:
        needle = self.search.get().strip().casefold()
        if not needle:
            return list(range(len(self.names)))
        return [i for i, key in enumerate(self._keys) if needle in key]

    def _key(self, event) -> None:
        if event.keysym in ("Return", "Down", "Up", "Escape"):
            return
        if self._job is not None:
            self.window.after_cancel(self._job)
        self._job = self.window.after(SEARCH_DELAY_MS, self.show_matches)

    def show_matches(self, current_first: str | None = None) -> None:
        self._job = None
        needle = self.search.get().strip().casefold()
        if needle == self._applied:
            return
        self._applied = needle
        found = self.matches()
        shown = found[:PICKER_ROWS]
        tree = self.tree
        tree.delete(*tree.get_children())
        for n, i in enumerate(shown):
            tree.insert("", "end", iid=str(i), values=(self.names[i],), tags=("odd" if n % 2 else "even",))
        if len(found) > len(shown):
            self.count.configure(
                text=f"{len(found):,} match; the first {len(shown):,} shown. Type to narrow."
                if needle
                else f"{len(found):,} names; the first {len(shown):,} shown. Type to search them all."
            )
        else:
            self.count.configure(
                text=f"{len(found):,} match{'es' if len(found) != 1 else ''}." if needle else f"{len(found):,} names."
            )
        pick = None
        if current_first in self.names:
            pick = str(self.names.index(current_first))
            if not tree.exists(pick):
                pick = None
        if pick is None and shown:
            pick = str(shown[0])
        if pick is not None:
            tree.selection_set(pick)
            tree.see(pick)
        self._update_button()

    def _focus_list(self) -> None:
        self.tree.focus_set()
        sel = self.tree.selection()
        if sel:
            self.tree.focus(sel[0])

    def _update_button(self) -> None:
        self.ok_button.set_enabled(bool(self.tree.selection()))

    def type(self, text: str) -> None:
        """Put ``text`` in the search box and show the matches at once (tests, and pasted text)."""
        self.search.delete(0, "end")
        self.search.insert(0, text)
        self.show_matches()

    def shown_names(self) -> list[str]:
        return [self.tree.item(i, "values")[0] for i in self.tree.get_children()]

    def choose(self) -> None:
        if self._job is not None:  # Enter right after typing: filter first
            self.window.after_cancel(self._job)
            self.show_matches()
        sel = self.tree.selection()
        if sel:
            self._finish(self.names[int(sel[0])])

    def cancel(self) -> None:
        self._finish(None)

    def _finish(self, value) -> None:
        if self._answered:
            return
        self._answered = True
        self.window.close()
        self.on_done(value)
