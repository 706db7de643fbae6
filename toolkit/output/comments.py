"""Cell comments: a sheet's comments part read into plain (author, text) notes, and written
back with the VML drawing that Excel and WPS need to show them.

Rich text in an existing comment is kept as its plain text, as openpyxl does; a sheet's
old VML drawing is replaced by one holding a note shape per comment (form controls drawn
in that VML would go with it: the template has none).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from toolkit.cellref import column_letter, parse_ref
from toolkit.output.xlsxparts import NS_MAIN, attrs, element, esc, start_tag, unescape

MAX_COMMENT = 32_767
_AUTHOR = element("author")
_COMMENT = element("comment")
_T = element("t")


@dataclass(frozen=True)
class Note:
    author: str
    text: str
    lines: int = 1  # how tall the box is drawn
    raw: bytes = b""  # the comment element as the office's file has it (kept when untouched)


@dataclass
class Comments:
    """A sheet's comments: (row, column) -> note, and the part they came from."""

    notes: dict[tuple[int, int], Note] = field(default_factory=dict)
    root: bytes = b""  # the original root start tag: its namespace declarations
    authors: list[str] = field(default_factory=list)


def read_comments(data: bytes | None) -> Comments:
    """The notes of a comments part (none for ``None``)."""
    if not data:
        return Comments()
    root = start_tag("comments").search(data)
    out = Comments(root=root.group(0) if root and root.group(3) != b"/" else b"")
    out.authors = [_text(m.group(0)) for m in _AUTHOR.finditer(data)]
    for m in _COMMENT.finditer(data):
        a = attrs(m.group(2))
        cell = parse_ref(a.get("ref", ""))
        if cell is None:
            continue
        n = int(a["authorId"]) if a.get("authorId", "").isdigit() else -1
        author = out.authors[n] if 0 <= n < len(out.authors) else ""
        body = "".join(_text(t.group(0)) for t in _T.finditer(m.group(0)))
        out.notes[cell] = Note(author, body[:MAX_COMMENT], body.count("\n") + 1, m.group(0))
    return out


def _text(xml: bytes) -> str:
    start = xml.find(b">") + 1
    if xml.endswith(b"/>"):
        return ""
    inner = xml[start : xml.rfind(b"</")]
    return unescape(inner.decode("utf-8", "replace"))


def comments_xml(notes: Mapping[tuple[int, int], Note], old: Comments) -> bytes:
    """The comments part: an untouched comment as it was (rich text, ids and all), under
    the original root and authors; ours and changed ones as plain text."""
    root = old.root or f'<comments xmlns="{NS_MAIN}">'.encode()
    p = (start_tag("comments").search(root).group(1) or b"").decode()  # type: ignore[union-attr]
    authors = list(old.authors)
    index = {a: i for i, a in reversed(list(enumerate(authors)))}
    items = []
    for (r, c), note in sorted(notes.items()):
        if note.raw and old.root:
            items.append(note.raw.decode("utf-8"))
            continue
        if note.author not in index:
            index[note.author] = len(authors)
            authors.append(note.author)
        text = esc(note.text[:MAX_COMMENT], quote=False)
        items.append(
            f'<{p}comment ref="{column_letter(c)}{r}" authorId="{index[note.author]}">'
            f'<{p}text><{p}t xml:space="preserve">{text}</{p}t></{p}text></{p}comment>'
        )
    names = "".join(f"<{p}author>{esc(a, quote=False)}</{p}author>" for a in authors)
    body = (
        f"<{p}authors>{names}</{p}authors><{p}commentList>{''.join(items)}</{p}commentList>"
        f"</{p}comments>"
    )
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + root + body.encode()


def vml_xml(notes: Mapping[tuple[int, int], Note], block: int) -> bytes:
    """The legacy drawing of the notes; shape ids are drawn from id blocks ``block``,
    ``block + 1``, … (1,024 ids each), unique across the workbook's sheets."""
    count = len(notes)
    blocks = ",".join(str(block + k) for k in range(count // 1024 + 1))
    shapes = []
    for n, ((r, c), note) in enumerate(sorted(notes.items())):
        shape_id = block * 1024 + n + 1
        height = 45 + 30 * min(note.lines, 20)
        shapes.append(
            f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" '
            f'style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:240pt;'
            f'height:{height}pt;z-index:{n + 1};visibility:hidden" fillcolor="#ffffe1" '
            'o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"/></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:AutoFill>False</x:AutoFill><x:Row>{r - 1}</x:Row><x:Column>{c - 1}</x:Column>"
            "</x:ClientData></v:shape>"
        )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{blocks}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
        'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
        '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        + "".join(shapes)
        + "</xml>"
    ).encode("utf-8")


def blocks_needed(count: int) -> int:
    return count // 1024 + 1
