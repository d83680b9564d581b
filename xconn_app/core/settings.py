"""One home for the numbers more than one module uses."""

from __future__ import annotations

AUTHORIZE_TIMEOUT = 90.0  # seconds the loopback listener waits for Xero's answer (the seed's 90 s)
PRECHECK_DELAY_MS = 1000  # the Definition dialog checks with Xero this long after typing stops
KEEPALIVE_MIN_AGE_HOURS = 20.0  # refresh --all skips grants renewed more recently than this
PRUNE_AFTER_SECONDS = 3600  # a grant whose connection is not in the list is removed after this
