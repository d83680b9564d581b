"""Words for the window: plurals, and text from the command line without its command lines.

The core's messages and next steps hold no command lines (a command is in XconnError.command, which
only the command line prints); setup-machine's output, shown by Diagnose, is cleaned of them here.
"""

from __future__ import annotations

# The command line prints, after a plain message, the command that does the next step; the window
# shows setup-machine's output (Diagnose) and offers buttons instead of commands.
_COMMAND_LINES = ("Command line:", "Command for IT:", "Command:")


def plural(n: int, noun: str, many: str | None = None) -> str:
    """'1 connection', '2 connections', '1,000 capture profiles'."""
    return f"{n:,} {noun if n == 1 else many or noun + 's'}"


def plain(text: str) -> str:
    """``text`` without the lines the command line adds to name a command (see _COMMAND_LINES)."""
    lines = [line for line in text.splitlines() if not line.strip().startswith(_COMMAND_LINES)]
    return "\n".join(lines).strip()


def names(items: list[str], limit: int = 5) -> str:
    """'A', 'A and B', 'A, B and C', 'A, B, C, D, E and 3 more', each in quotes."""
    quoted = [f"'{n}'" for n in items[:limit]]
    rest = len(items) - len(quoted)
    if rest > 0:
        return ", ".join(quoted) + f" and {rest:,} more"
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]
