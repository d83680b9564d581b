"""The start-up floors: a bare window to its first paint (same hook as xconn_app/ui/app.py).

python bench/_bare_window.py tk     # tkinter.Tk()
python bench/_bare_window.py ctk    # customtkinter.CTk()
"""

import os
import sys

if sys.argv[1:] == ["ctk"]:
    import customtkinter

    root = customtkinter.CTk()
else:
    import tkinter

    root = tkinter.Tk()


def painted(event):
    if event.widget is not root or getattr(root, "_done", False):
        return
    root._done = True
    root.update_idletasks()
    import time

    stamp = time.perf_counter()
    with open(os.environ["XCONN_BENCH_FIRST_PAINT"], "w") as fh:
        fh.write(f'{{"painted": {stamp!r}, "modules": []}}')
    root.after(0, root.destroy)


root.bind("<Expose>", painted, add="+")
root.mainloop()
