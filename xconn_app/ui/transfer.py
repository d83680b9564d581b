"""Export… and Import… of connection definitions (More ▾): file dialogs in Documents, the service's
transfer off the Tk thread, each conflict asked about, a plain summary. No state of its own: the
caller passes ``set_busy`` (its More button) and ``on_changed`` (refresh the window)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..core.text import visible
from .background import run_in_background
from .words import plural

EXPORT_NAME = "xconn-connections.json"
# What the person reads -> what the service's import wants.
CONFLICT_CHOICES = {"Keep this computer's": "skip", "Replace": "replace", "Import as a copy": "rename"}


def export_connections(widget, service, dialogs, set_busy: Callable[[bool], None]) -> None:
    """Save dialog, then the export off the Tk thread, then say what was written."""
    path = dialogs.ask_save_path("Export connections", EXPORT_NAME)
    if not path:
        return
    set_busy(True)

    def done(count: int) -> None:
        set_busy(False)
        dialogs.success(
            "Connections exported",
            f"Exported {plural(count, 'connection')} (no tokens) and the capture profiles to {path}.\n\n"
            "On the other computer: More ▸ Import…, then Re-authorize each connection there.",
        )

    def failed(exc) -> None:
        set_busy(False)
        dialogs.error(exc)

    run_in_background(widget, lambda: service.export_definitions(path), done, failed)


def conflict_text(conflict) -> str:
    name = visible(conflict.name)
    return (
        f"This computer already has a connection named '{name}' for the Xero app "
        f"{visible(conflict.existing_client_id)}.\nThe file's '{name}' is for another Xero app: "
        f"{visible(conflict.incoming_client_id)}.\n\n"
        "Keep this computer's: leave it as it is.\n"
        "Replace: use the file's definition; it must be authorized again.\n"
        f"Import as a copy: add the file's as '{name} (imported)'."
    )


def import_connections(
    widget,
    service,
    dialogs,
    set_busy: Callable[[bool], None],
    on_changed: Callable[[], None],
    *,
    may_change: bool = True,
) -> None:
    """Open dialog; the conflicts read off the Tk thread; each asked about; import; summary; refresh."""
    if not may_change:
        dialogs.info(
            "Only list administrators import",
            "Importing changes the connection list, which only list "
            "administrators do. Diagnose offers to make you one.",
        )
        return
    path = dialogs.ask_open_path("Import connections")
    if not path:
        return
    set_busy(True)

    def failed(exc) -> None:
        set_busy(False)
        dialogs.error(exc)

    def decide_all(conflicts) -> None:
        answers: dict[str, str] = {}
        for conflict in conflicts:
            label = dialogs.choose("Name already used", conflict_text(conflict), list(CONFLICT_CHOICES))
            if label is None:  # closed the box: import nothing
                set_busy(False)
                dialogs.info("Import cancelled", "Nothing was imported.")
                return
            answers[conflict.name.casefold()] = CONFLICT_CHOICES[label]

        def decide(conflict) -> str:  # a conflict that appeared since (someone else's edit) is kept
            return answers.get(conflict.name.casefold(), "skip")

        run_in_background(widget, lambda: service.import_definitions(path, decide=decide), imported, failed)

    def imported(report) -> None:
        set_busy(False)
        title, text = import_summary(report, path)
        on_changed()
        dialogs.success(title, text)

    run_in_background(widget, lambda: service.import_conflicts(path), decide_all, failed)


def import_summary(report, path) -> tuple[str, str]:
    """(title, text) for the message box after an import."""

    def line(items, noun, what) -> str | None:
        if not items:
            return None
        shown = ", ".join(visible(n) for n in items[:5]) + (f" and {len(items) - 5:,} more" if len(items) > 5 else "")
        return f"• {plural(len(items), noun)} {what}: {shown}"

    lines = [
        x
        for x in (
            line(report.added, "connection", "added"),
            line(report.replaced, "connection", "replaced"),
            line(report.renamed, "connection", "imported as a copy"),
            line(report.skipped, "connection", "skipped (this computer's kept)"),
            line(report.unchanged, "connection", "already here"),
            line(report.profiles_added, "capture profile", "added"),
        )
        if x
    ]
    changed = report.added or report.replaced or report.renamed
    if not lines:
        return "Nothing to import", f"{Path(path).name} lists no connections."
    text = "\n".join([f"From {Path(path).name}:", *lines])
    if changed:
        text += "\n\nImported connections are not authorized yet: select each and press Authorize."
    return ("Connections imported" if changed else "Nothing new to import"), text
