"""Files the portal hands out: always as attachments, named per RFC 6266 / RFC 5987.

The name in ``filename*`` is the UTF-8 name percent-encoded; ``filename`` carries an
ASCII fallback for old clients. The bytes come from paths of our own (originals by hash,
reports in scratch folders): a name a browser sent never becomes a path.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]')
_NON_ASCII = re.compile(r"[^A-Za-z0-9._-]")


def content_disposition(name: str) -> str:
    """``attachment; filename="..."; filename*=UTF-8''...`` for any file name."""
    clean = _UNSAFE.sub("_", name).strip() or "download"
    fallback = _NON_ASCII.sub("_", clean)
    quoted = urllib.parse.quote(clean, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quoted}"


def attachment(
    path: Path, name: str, media_type: str = XLSX, cleanup: BackgroundTask | None = None
) -> Response:
    return FileResponse(
        path,
        media_type=media_type,
        headers={"Content-Disposition": content_disposition(name)},
        background=cleanup,
    )


def attachment_bytes(data: bytes, name: str, media_type: str) -> Response:
    return Response(
        data, media_type=media_type, headers={"Content-Disposition": content_disposition(name)}
    )
