"""The Authorize part of the Connection Definition dialog: listen, open the browser, count down, finish.

Every blocking step (binding the port, opening the browser, waiting, exchanging the code) runs
through ``run_in_background``; this class only moves widgets on the Tk thread.
"""

from __future__ import annotations

import time

from ..core.errors import AuthorizationCancelled, AuthorizationTimedOut
from .background import run_in_background
from .widgets.theme import ERROR_TEXT, GAP, MUTED_TEXT, OK_TEXT, PAD

WAIT_SECONDS = 90


class AuthorizeFlow:
    def __init__(self, dialog):
        self.d = dialog
        self.pending = None
        self.active = False  # waiting for the browser
        self.succeeded = False
        self.deadline = 0.0
        self._timer = None
        self._user_cancelled = False
        self._handled = set()
        dialog.copy_link_button.configure(command=self.copy_link)
        dialog.cancel_wait_button.configure(command=self.cancel)
        dialog.finish_button.configure(command=self.finish_with_address)
        dialog.paste_entry.bind("<Return>", lambda _e: self.finish_with_address())

    # -- start -----------------------------------------------------------------------------
    def start(self, values: dict) -> None:
        d = self.d
        self._close_pending()
        self.active, self._user_cancelled = True, False
        d.authorize_button.configure(state="disabled", text="Starting…")
        d.save_button.configure(state="disabled")
        d.wait_label.configure(text="Getting ready to listen for Xero's answer…", text_color=MUTED_TEXT)
        cid = d.connection_id
        service = d.service
        run_in_background(d, lambda: service.begin_authorization(cid, **values), self._began, self._failed)

    def _began(self, pending) -> None:
        d = self.d
        self.pending = pending
        if not self.active:  # cancelled while the port was being bound
            pending.close()
            return
        self.deadline = time.monotonic() + WAIT_SECONDS
        d.authorize_button.configure(text="Authorizing…")
        d.copy_link_button.grid(row=0, column=2, padx=(GAP, 0))
        d.cancel_wait_button.grid(row=0, column=3, padx=(GAP, PAD))
        d.paste_label.configure(text="Browser could not reach xconn? Paste the address the browser ended on:",
                                text_color=("gray10", "gray90"))
        d.paste_frame.grid(row=1, column=0, columnspan=4, sticky="ew", padx=PAD, pady=(0, PAD))
        self._tick()
        run_in_background(d, lambda: pending.wait(WAIT_SECONDS), lambda o: self._done(pending, o),
                          lambda exc: self._wait_failed(pending, exc))
        run_in_background(d, pending.open_browser, self._browser_opened, lambda _exc: self._browser_opened(False))

    def _browser_opened(self, ok) -> None:
        if not ok and self.active:
            self.d.paste_label.configure(
                text="No web browser could be opened. Press Copy link, open it in a browser, then paste the "
                     "address it ends on here:", text_color=ERROR_TEXT)

    def _tick(self) -> None:
        if not self.active:
            return
        left = max(0, round(self.deadline - time.monotonic()))
        self.d.wait_label.configure(text=f"Waiting for Xero… {left} s\nAllow access in the browser window.",
                                    text_color=("gray10", "gray90"))
        # aim at the next whole second so the countdown does not drift
        delay = int(((self.deadline - time.monotonic()) % 1) * 1000) or 1000
        self._timer = self.d.after(max(50, delay), self._tick)

    def stop_timer(self) -> None:
        if self._timer is not None:
            try:
                self.d.after_cancel(self._timer)
            except Exception:  # noqa: BLE001 - the dialog is gone
                pass
            self._timer = None

    # -- results ---------------------------------------------------------------------------
    def _done(self, pending, outcome) -> None:
        if id(pending) in self._handled or pending is not self.pending:
            return
        self._handled.add(id(pending))
        d = self.d
        self.active = False
        self.succeeded = True
        self.stop_timer()
        d.authorized(outcome)  # the Tenant list first: the other widget updates cost ~10 ms of redraws
        self._hide_waiting()
        d.authorize_button.configure(state="normal", text="Authorize again")
        d.save_button.configure(state="normal")
        d.wait_label.configure(text=f"✓ Connected to Xero as {outcome.connection.name}.", text_color=OK_TEXT)
        self._bring_to_front()
        tenants = outcome.tenants
        if len(tenants) == 1:
            where = f"Organisation: {tenants[0].tenant_name}. Press Save to finish."
        elif tenants:
            where = f"{len(tenants)} organisations are available: pick one in the Tenant list, then press Save."
        else:
            where = "No organisation was connected: authorize again and tick one in Xero."
        d.dialogs.info("Connected to Xero", f"xconn is now connected to Xero for '{outcome.connection.name}'.\n\n"
                                            f"{where}\n\nYou can close the browser window.")

    def _bring_to_front(self) -> None:
        d = self.d
        try:
            d.master.winfo_toplevel().deiconify()
            d.lift()
            d.focus_force()
            d.attributes("-topmost", True)
            d.after(600, lambda: d.winfo_exists() and d.attributes("-topmost", False))
        except Exception:  # noqa: BLE001 - window managers differ; raising is best effort
            pass

    def _wait_failed(self, pending, exc) -> None:
        if pending is not self.pending or id(pending) in self._handled:
            return
        if isinstance(exc, AuthorizationCancelled) and not self._user_cancelled and pending._finished is not None:
            return  # finished by a pasted address; _done handles it
        self._failed(exc)

    def _failed(self, exc) -> None:
        d = self.d
        if not d.winfo_exists():
            return
        was_cancel = self._user_cancelled or isinstance(exc, AuthorizationCancelled)
        self.active = False
        self.stop_timer()
        d.save_button.configure(state="normal")
        if isinstance(exc, AuthorizationTimedOut):
            # Keep the pending sign-in: the pasted address can still finish it.
            d.authorize_button.configure(state="normal", text="Try again")
            d.copy_link_button.grid_forget()
            d.cancel_wait_button.grid_forget()
            d.wait_label.configure(text="No answer from Xero within 90 seconds.", text_color=ERROR_TEXT)
            d.paste_label.configure(text="If the browser did show a page after Allow access, paste its address here "
                                         "and press Finish. Otherwise press Try again.", text_color=ERROR_TEXT)
            d.dialogs.error(exc)
            return
        self._hide_waiting()
        self._close_pending()
        d.authorize_button.configure(state="normal", text="Try again" if not was_cancel else "Authorize")
        if was_cancel:
            d.wait_label.configure(text="Authorization cancelled.", text_color=MUTED_TEXT)
            return
        d.wait_label.configure(text="Authorization did not complete.", text_color=ERROR_TEXT)
        d.dialogs.error(exc)

    def _hide_waiting(self) -> None:
        d = self.d
        d.copy_link_button.grid_forget()
        d.cancel_wait_button.grid_forget()
        d.paste_frame.grid_forget()

    # -- buttons ---------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop waiting (the Cancel button next to the countdown, or closing the dialog)."""
        if self.pending is not None and self.active:
            self._user_cancelled = True
            self.pending.cancel()
        elif self.active:  # still binding the port: _began closes it
            self.active = False
        elif self.pending is not None and not self.succeeded:
            self._close_pending()
            self._hide_waiting()

    def _close_pending(self) -> None:
        if self.pending is not None:
            try:
                self.pending.close()
            except Exception:  # noqa: BLE001 - closing twice is harmless
                pass
        self.pending = None

    def copy_link(self) -> None:
        if self.pending is None:
            return
        self.d.clipboard_clear()
        self.d.clipboard_append(self.pending.url)
        self.d.wait_label.configure(text="Link copied. Open it in the browser where you are logged in to Xero.")

    def finish_with_address(self) -> None:
        pending, text = self.pending, self.d.paste_var.get().strip()
        if pending is None or not text:
            return
        self.d.finish_button.configure(state="disabled")

        def failed(exc):
            self.d.finish_button.configure(state="normal")
            self.d.dialogs.error(exc)

        def done(outcome):
            self.d.finish_button.configure(state="normal")
            self._done(pending, outcome)

        run_in_background(self.d, lambda: pending.complete_with_address(text), done, failed)
