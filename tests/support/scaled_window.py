"""Open the real window on $DISPLAY (its own process: Tk keeps a display open until the process ends,
so a test cannot stop an X server that its own Tk used) and print what a person would see, as JSON:
the scale, the table's row height, whether the window and the Connection Definition fit on the screen
and whether any button or table cell is cut, at the default and the minimum size.

    python tests/support/scaled_window.py        (the list folder etc. from the environment)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
for p in (HERE, HERE.parent, HERE.parent.parent):
    sys.path.insert(0, str(p))


def pump(win, seconds: float = 0.0, until=None, timeout: float = 15.0) -> None:
    end = time.monotonic() + (timeout if until else seconds)
    while time.monotonic() < end:
        win.update()
        if until and until():
            return
        time.sleep(0.01)


def inside(window) -> bool:
    window.update_idletasks()
    return (
        window.winfo_rootx() >= 0
        and window.winfo_rooty() >= 0
        and window.winfo_rootx() + window.winfo_width() <= window.winfo_screenwidth()
        and window.winfo_rooty() + window.winfo_height() <= window.winfo_screenheight()
    )


def cut_buttons(widget) -> list[str]:
    from xconn_app.ui.widgets.keys import Button

    out = []
    for child in widget.winfo_children():
        if isinstance(child, Button) and child.winfo_ismapped() and child.winfo_width() < child.winfo_reqwidth() - 1:
            out.append(child.cget("text"))
        out += cut_buttons(child)
    return out


def cut_cells(table) -> list[str]:
    from xconn_app.ui.widgets.table import cell_room

    out = []
    for iid in table.tree.get_children():
        for width, shown, whole in zip(table.widths, table.shown(iid), table.values(iid), strict=True):
            too_wide = table.style.font.measure(shown) > cell_room(width, table.style.scale)
            if (shown != whole and not shown.endswith("…")) or too_wide:
                out.append(shown)
    return out


def main() -> int:
    from recording import RecordingDialogs

    from xconn_app.core.service import Service
    from xconn_app.ui.app import MainWindow

    win = MainWindow(Service(), dialogs=RecordingDialogs())
    pump(win, until=lambda: win.connections.loaded)
    pump(win, 0.3)
    view, style = win.connections, win.connections.table.style
    out = {
        "scale": win.scale,
        "table_scale": style.scale,
        "rowheight": int(style.style.configure("Xconn.Treeview", "rowheight")),
        "cell_pad": str(style.style.configure("Xconn.Treeview.Cell", "padding")[0]),
        "width": win.winfo_width(),
        "window_inside": inside(win),
        "cut_buttons": cut_buttons(win),
        "cut_cells": cut_cells(view.table),
        "rows": [list(view.table.shown(i)) for i in view.tree.get_children()],
    }
    win.geometry("880x520")  # the minimum size (customtkinter scales it)
    pump(win, 0.4)
    out["min_cut_buttons"], out["min_cut_cells"] = cut_buttons(win), cut_cells(view.table)
    dialog = view.add()
    pump(win, 0.4)
    out["dialog_inside"], out["dialog_cut_buttons"] = inside(dialog), cut_buttons(dialog)
    out["dialog_height"], out["screen_height"] = dialog.winfo_height(), dialog.winfo_screenheight()
    dialog.close()
    win.destroy()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
