"""The window's help-desk parts (core/helpdesk.py): keep-alive status, Export… and Import….

Nothing here imports requests/keyring at import time; the service calls run off the Tk thread,
every question and answer goes through ``Dialogs``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .background import run_in_background

log = logging.getLogger("xconn.ui")

EXPORT_NAME = "xconn-connections.json"
MORE_LABEL = "More  ▾"
EXPORT_LABEL = "Export…"
IMPORT_LABEL = "Import…"
# What the person reads -> what core.helpdesk.import_definitions wants.
CONFLICT_CHOICES = {"Keep this computer's": "skip", "Replace": "replace", "Import as a copy": "rename"}
STALE_DAYS = 3  # as core.helpdesk.doctor: no keep-alive for 3 days is a problem


# -- keep-alive ---------------------------------------------------------------------------------
def keepalive_text(last: dict | None) -> str:
    from ..core.model import iso

    at = (last or {}).get("at")
    if not isinstance(at, (int, float)) or not at:
        return "Keep-alive: never ran on this computer"
    return f"Keep-alive: last ran {iso(at)}"


def keepalive_is_stale(last: dict | None) -> bool:
    from ..core.model import now

    at = (last or {}).get("at")
    return isinstance(at, (int, float)) and bool(at) and now() - at > STALE_DAYS * 86400


def show_keepalive(window) -> None:
    """Read when the daily keep-alive last ran (off the Tk thread) into the status bar's right side."""
    from .widgets.theme import ERROR_TEXT, MUTED_TEXT

    label = window.status_right

    def done(last) -> None:
        label.configure(text=keepalive_text(last), text_color=ERROR_TEXT if keepalive_is_stale(last) else MUTED_TEXT)

    def failed(exc) -> None:  # the status bar is no place for an error box; the list itself reports
        log.warning("could not read when the keep-alive last ran: %s", exc)
        label.configure(text="")

    run_in_background(label, window.service.keepalive_last_run, done, failed)


# -- the More menu ------------------------------------------------------------------------------
def open_more_menu(view) -> None:
    """Drop the More menu (Export…, Import…) down under its button."""
    menu = getattr(view, "more_menu", None)
    if menu is None:
        from customtkinter.windows.widgets.core_widget_classes import DropdownMenu

        menu = view.more_menu = DropdownMenu(view, values=[EXPORT_LABEL, IMPORT_LABEL], min_character_width=12,
                                             command=lambda value: _more_chosen(view, value))
    button = view.more_button
    menu.open(button.winfo_rootx(), button.winfo_rooty() + button.winfo_height())


def _more_chosen(view, value: str) -> None:
    if value == EXPORT_LABEL:
        export_connections(view)
    elif value == IMPORT_LABEL:
        import_connections(view)


def _busy(view, busy: bool) -> None:
    view.transferring = busy
    button = getattr(view, "more_button", None)
    if button is not None:
        button.configure(state="disabled" if busy else "normal")


def _failed(view):
    def failed(exc) -> None:
        _busy(view, False)
        view.dialogs.error(exc)

    return failed


# -- export -------------------------------------------------------------------------------------
def export_connections(view) -> None:
    """Save dialog, then service.export_definitions off the Tk thread, then say what was written."""
    if getattr(view, "transferring", False):
        return
    path = view.dialogs.ask_save_path("Export connections", EXPORT_NAME)
    if not path:
        return
    _busy(view, True)

    def done(count: int) -> None:
        _busy(view, False)
        what = f"{count} connection{'s' if count != 1 else ''}"
        view.dialogs.info("Connections exported",
                          f"Exported {what} (no tokens) and the capture profiles to {path}.\n\n"
                          "On the other computer: More ▸ Import…, then select each connection, "
                          "Edit, Authorize.")

    run_in_background(view, lambda: view.service.export_definitions(path), done, _failed(view))


# -- import -------------------------------------------------------------------------------------
def conflict_text(conflict) -> str:
    return (f"This computer already has a connection named '{conflict.name}' for the Xero app "
            f"{conflict.existing_client_id}.\nThe file's '{conflict.name}' is for another Xero app: "
            f"{conflict.incoming_client_id}.\n\n"
            "Keep this computer's: leave it as it is.\n"
            "Replace: use the file's definition; it must be authorized again.\n"
            f"Import as a copy: add the file's as '{conflict.name} (imported)'.")


def import_connections(view) -> None:
    """Open dialog; read the conflicts off the Tk thread; ask about each; import; summarise; refresh."""
    if getattr(view, "transferring", False):
        return
    path = view.dialogs.ask_open_path("Import connections")
    if not path:
        return
    _busy(view, True)
    service, dialogs = view.service, view.dialogs

    def decide_all(conflicts) -> None:
        answers: dict[str, str] = {}
        for conflict in conflicts:
            label = dialogs.choose("Name already used", conflict_text(conflict), list(CONFLICT_CHOICES))
            if label is None:  # closed the box: import nothing
                _busy(view, False)
                dialogs.info("Import cancelled", "Nothing was imported.")
                return
            answers[conflict.name.casefold()] = CONFLICT_CHOICES[label]

        def decide(conflict) -> str:  # a conflict that appeared since (someone else's edit) is kept
            return answers.get(conflict.name.casefold(), "skip")

        run_in_background(view, lambda: service.import_definitions(path, decide=decide), imported, _failed(view))

    def imported(report) -> None:
        _busy(view, False)
        title, text = import_summary(report, path)
        view.window.refresh()
        dialogs.info(title, text)

    run_in_background(view, lambda: service.import_conflicts(path), decide_all, _failed(view))


def import_summary(report, path) -> tuple[str, str]:
    """(title, text) for the message box after an import."""

    def line(names, what) -> str | None:
        if not names:
            return None
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        return f"• {len(names)} {what}: {shown}"

    lines = [x for x in (
        line(report.added, "added"),
        line(report.replaced, "replaced"),
        line(report.renamed, "imported as a copy"),
        line(report.skipped, "skipped (this computer's kept)"),
        line(report.unchanged, "already here"),
        line(report.profiles_added, "capture profiles added"),
    ) if x]
    changed = report.added or report.replaced or report.renamed
    head = f"From {Path(path).name}:"
    if not lines:
        return "Nothing to import", f"{Path(path).name} lists no connections."
    text = "\n".join([head, *lines])
    if changed:
        text += "\n\nImported connections are not authorized yet: select each, Edit, Authorize."
    return ("Connections imported" if changed else "Nothing new to import"), text
