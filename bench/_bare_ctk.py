"""For comparison: a bare customtkinter window to its first paint."""
import os

import customtkinter

root = customtkinter.CTk()


def painted(event):
    if event.widget is not root or getattr(root, "_done", False):
        return
    root._done = True
    root.update_idletasks()
    import time

    stamp = time.perf_counter()
    with open(os.environ["XCONN_BENCH_FIRST_PAINT"], "w") as fh:
        fh.write('{"painted": %r, "modules": []}' % stamp)
    root.after(0, root.destroy)


root.bind("<Expose>", painted, add="+")
root.mainloop()
