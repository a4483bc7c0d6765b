"""Where a form may send the browser next: only a path on this site, never an open
redirect to another host."""

from __future__ import annotations

from urllib.parse import urlsplit


def local_path(target: str, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default``.

    Browsers read ``/\\host`` as ``//host`` and drop tabs and newlines, so a
    backslash, a control character or a leading ``//`` refuses the target too.
    """
    parts = urlsplit(target)
    unsafe = (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(character) < 0x20 or ord(character) == 0x7F for character in target)
        or parts.netloc
        or parts.scheme
    )
    return default if unsafe else target
