"""Words for the window: plurals, and the core's messages without command lines.

The core's next steps are written for the command line and the window alike, some with a command
in brackets ("(command line: xconn authorize NAME)"): the window offers buttons instead, so it
drops those (issue 11: no command lines in the window).
"""

from __future__ import annotations

import re

_COMMAND_NOTE = re.compile(r"\s*\((?:command line|CLI|terminal)[^()]*\)", re.IGNORECASE)
# A command in quotes ('xconn setup-machine'), after a colon (": xconn setup-machine"), with sudo, or an option.
_RUN_SENTENCE = re.compile(
    r"[^.!?]*(?:'xconn[^']*'|:\s+xconn(?:-cli)?\s+[a-z]|\bsudo\s|\s--[a-z][a-z-]+)[^.!?]*[.!?]?\s*"
)


def plural(n: int, noun: str, many: str | None = None) -> str:
    """'1 connection', '2 connections', '1,000 capture profiles'."""
    return f"{n:,} {noun if n == 1 else many or noun + 's'}"


def plain(text: str) -> str:
    """``text`` without bracketed command-line notes or sentences that tell the person to run a command."""
    text = _COMMAND_NOTE.sub("", text)
    if _RUN_SENTENCE.search(text):
        text = _RUN_SENTENCE.sub("", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def names(items: list[str], limit: int = 5) -> str:
    """'A', 'A and B', 'A, B and C', 'A, B, C, D, E and 3 more', each in quotes."""
    quoted = [f"'{n}'" for n in items[:limit]]
    rest = len(items) - len(quoted)
    if rest > 0:
        return ", ".join(quoted) + f" and {rest:,} more"
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]
