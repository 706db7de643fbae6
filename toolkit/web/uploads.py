"""Receiving an upload: the size limit holds while the body streams in.

The request body is read chunk by chunk and fed to ``python_multipart``'s streaming
parser; the file part goes straight to a scratch file under a name of our own (the name
the browser sent is kept only as text). As soon as the body passes the limit the upload
stops with ``TooLarge`` (the app answers 413) without reading the rest; a declared
``Content-Length`` over the limit is refused before anything is read.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

MAX_FIELD = 4096  # bytes of a text field (csrf, 填报人 ...)
FORM_OVERHEAD = 64 * 1024  # boundaries, headers and small fields beside the file


class TooLarge(Exception):
    pass


class BadUpload(Exception):
    """Not a form we sent (no boundary, no file, a field too long); said in Chinese."""


@dataclass
class Upload:
    """A received form: its text fields and the file, saved at ``path``."""

    fields: dict[str, str] = field(default_factory=dict)
    filename: str = ""
    path: Path | None = None
    size: int = 0

    def discard(self) -> None:
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            self.path = None


class _Parts:
    """Callbacks of the multipart parser: text fields in memory, the file part on disk."""

    def __init__(self, folder: Path, file_field: str, upload: Upload) -> None:
        self.folder, self.file_field, self.upload = folder, file_field, upload
        self._header: bytes = b""
        self._value: bytes = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._text: bytearray | None = None
        self._out: BinaryIO | None = None

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: setattr(self, "_header", self._header + d[s:e]),
            "on_header_value": lambda d, s, e: setattr(self, "_value", self._value + d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self._headers, self._header, self._value = {}, b"", b""

    def _header_end(self) -> None:
        self._headers[self._header.lower()] = self._value
        self._header, self._value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if self._name == self.file_field and b"filename" in options:
            if self._out is not None or self.upload.path is not None:
                raise BadUpload("一次只能上传一个文件")
            raw = options[b"filename"].decode("utf-8", "replace")
            self.upload.filename = raw.replace("\\", "/").rsplit("/", 1)[-1][:255]
            fd, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=self.folder)
            self.upload.path = Path(name)
            self._out = os.fdopen(fd, "wb")
        else:
            self._text = bytearray()

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._out is not None:
            self._out.write(data[start:end])
            self.upload.size += end - start
        elif self._text is not None:
            self._text += data[start:end]
            if len(self._text) > MAX_FIELD:
                raise BadUpload("表单字段过长")

    def _end(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        elif self._text is not None:
            self.upload.fields[self._name] = self._text.decode("utf-8", "replace")
            self._text = None

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


async def receive_upload(
    request: Request, folder: Path, max_bytes: int, file_field: str = "file"
) -> Upload:
    """Stream the multipart body of ``request`` into ``folder``; ``TooLarge`` past
    ``max_bytes`` of file (plus a little for the form around it)."""
    limit = max_bytes + FORM_OVERHEAD
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge
    ctype, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise BadUpload("请用页面上的上传表单提交文件")
    upload = Upload()
    parts = _Parts(folder, file_field, upload)
    parser = MultipartParser(boundary, parts.callbacks())  # type: ignore[arg-type]
    seen = 0
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > limit or upload.size > max_bytes:
                raise TooLarge
            parser.write(chunk)
        parser.finalize()
        if upload.size > max_bytes:
            raise TooLarge
    except MultipartParseError as exc:
        parts.close()
        upload.discard()
        raise BadUpload("上传的表单无法解析，请重试") from exc
    except BaseException:
        parts.close()
        upload.discard()
        raise
    parts.close()
    if upload.path is None or (upload.size == 0 and not upload.filename):
        upload.discard()
        raise BadUpload("请选择要上传的文件")
    return upload


MAX_SMALL_FORM = 16 * 1024


async def small_form(request: Request) -> dict[str, str]:
    """A url-encoded form of a few fields (confirm, approve, login), read with a cap."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_SMALL_FORM:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_SMALL_FORM:
            raise TooLarge
    pairs = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return dict(pairs)
