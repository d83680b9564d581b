"""Strings from files and from Xero made safe to show: control and bidi characters made visible.

A name in the shared connection list or an organisation name from Xero may hold terminal escape
sequences (ESC ] ... sets the window title or writes the clipboard), carriage returns that
overwrite a line, or bidi overrides that reorder what people read. ``visible()`` replaces each with
a printable marker, so the terminal, Tk labels, reports and the history show what is really there.
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls, DEL, and the Unicode format characters that change how text is ordered or
# joined (bidi embeddings, overrides and isolates, zero-width marks, BOM, interlinear annotations).
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE = "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\ufff9\ufffa\ufffb\u00ad"
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f" + _BIDI + _INVISIBLE + "\u2028\u2029\ud800-\udfff]")
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f" + _BIDI + _INVISIBLE + "\u2028\u2029\ud800-\udfff]")
_NAMED = {"\x1b": "ESC", "\r": "CR", "\n": "LF", "\t": "TAB", "\x07": "BEL", "\x08": "BS", "\x7f": "DEL"}


def _mark(match: re.Match) -> str:
    ch = match.group(0)
    name = _NAMED.get(ch)
    return f"<{name}>" if name else f"<U+{ord(ch):04X}>"


def visible(value: object, limit: int | None = None) -> str:
    """``value`` as text with every control, bidi or invisible formatting character shown as a marker.

    ``limit`` shortens the result (with an ellipsis) after marking, so a huge hostile string cannot
    flood a terminal or a label.
    """
    text = value if isinstance(value, str) else str(value)
    if _UNSAFE.search(text):
        text = _UNSAFE.sub(_mark, text)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + "…"
    return text


def has_unsafe(text: str) -> bool:
    return bool(_UNSAFE.search(text))


def visible_lines(text: str) -> str:
    """Our own multi-line text (newlines and tabs are ours) with anything else unsafe marked."""
    return "\n".join(visible(line).replace("<TAB>", "\t") for line in text.split("\n"))


def safe_json(data: object, indent: int | None = 2) -> str:
    """JSON for a terminal: non-ASCII letters stay readable, unsafe characters become \\u escapes."""
    # json.dumps escapes C0 controls inside strings itself: a raw newline left is the layout's own.
    import json  # only the --json output needs it

    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def is_printable_name(text: str) -> bool:
    """True when a name has no character ``visible()`` would mark and is not only white space."""
    return bool(text.strip()) and not has_unsafe(text) and all(unicodedata.category(c) != "Co" for c in text)
