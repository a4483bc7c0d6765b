"""The files of articles in Markdown folders (``qloop kb import|export``).

An exported article ``battery-swelling.md`` keeps its files in the folder
``battery-swelling/`` beside it and lists them in its front matter
(``attachments: [battery-swelling/swollen.jpg]``). An imported file's attachments are those
listed (paths relative to the Markdown file) and the images and PDFs its body points at by
a relative path that exists, as an editor such as Typora or VS Code saves them; nothing
outside the imported folder is read."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy.orm import Session

from qloop.core.errors import InputError
from qloop.kb.files import checked, detected_type, files_of
from qloop.kb.models import Article
from qloop.kb.render import addresses, is_relative

COLUMN = "attachments"


def read_attachments(
    md_path: Path, root: Path, front: dict[str, Any], body: str, limit: int
) -> dict[str, bytes]:
    """name -> bytes of the files an imported article brings; InputError naming the
    Markdown file and the attachment when one cannot be taken."""
    source = md_path.name
    listed = front.get(COLUMN) or []
    if isinstance(listed, str):
        listed = [listed]
    if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
        raise InputError("attachments: a list of file paths", file=source, column=COLUMN)
    wanted: dict[str, bytes] = {}
    origin: dict[str, str] = {}
    for relative in listed:
        path = _inside(md_path, root, relative)
        if path is None or not path.is_file():
            raise InputError(f"attachments: no file {relative!r} beside the article",
                             file=source, column=COLUMN)  # fmt: skip
        _take(wanted, origin, relative, path, limit, source)
    for address in addresses(body):
        relative = unquote(address.split("#")[0].split("?")[0])
        path = _inside(md_path, root, relative)
        if path is None or not path.is_file() or relative in origin.values():
            continue  # a web address, another article, a missing picture: left as written
        with path.open("rb") as handle:
            if detected_type(handle.read(16)) is None:
                continue  # a link to a document of another kind: not an attachment
        _take(wanted, origin, relative, path, limit, source)
    return wanted


def write_attachments(session: Session, article: Article, directory: Path, stem: str) -> list[str]:
    """Write the article's files to ``directory/stem/``; their paths for the front matter."""
    found = files_of(session, article)
    if not found:
        return []
    folder = directory / stem
    folder.mkdir(parents=True, exist_ok=True)
    for item in found:
        (folder / item.name).write_bytes(item.data or b"")
    return [f"{stem}/{item.name}" for item in found]


def _take(
    wanted: dict[str, bytes], origin: dict[str, str], relative: str, path: Path, limit: int,
    source: str,
) -> None:  # fmt: skip
    if path.stat().st_size > limit:
        raise InputError(f"attachments: {relative} is larger than {limit:,} bytes",
                         file=source, column=COLUMN)  # fmt: skip
    data = path.read_bytes()
    try:
        name = checked(path.name, data, limit)
    except InputError as error:
        raise InputError(f"attachments: {relative}: {error.reason}", file=source,
                         column=COLUMN) from None  # fmt: skip
    if name in wanted and origin[name] != relative:
        raise InputError(f"attachments: {origin[name]} and {relative} have the same name",
                         file=source, column=COLUMN)  # fmt: skip
    wanted[name], origin[name] = data, relative


def _inside(md_path: Path, root: Path, relative: str) -> Path | None:
    """The file ``relative`` names beside ``md_path``, if it lies inside ``root``."""
    if not is_relative(relative.strip()):
        return None
    path = (md_path.parent / relative.strip()).resolve()
    return path if path.is_relative_to(root.resolve()) else None
