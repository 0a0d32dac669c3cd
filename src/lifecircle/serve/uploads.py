"""Uploaded project and target lists: a size limit, a plain file name, and a check that the bytes are what the name
says (an XLSX workbook is a ZIP archive; a CSV is text in UTF-8 or GBK) before any reader sees them."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import Request

from lifecircle.errors import LifecircleInputError
from lifecircle.serve.workspace import check_name

#: Largest upload accepted, bytes (5 MiB: a district's list is a few hundred rows).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: File kinds accepted.
UPLOAD_SUFFIXES = (".csv", ".xlsx")


class UploadTooLargeError(LifecircleInputError):
    """The upload is over :data:`MAX_UPLOAD_BYTES`."""


def check_upload_name(file_name: str) -> str:
    """A plain ``name.csv`` / ``name.xlsx`` (no folder, no ``..``)."""
    check_name(file_name, "file name")
    if Path(file_name).suffix.lower() not in UPLOAD_SUFFIXES:
        raise LifecircleInputError(f"'{file_name}' is not a CSV or XLSX file; upload a .csv or .xlsx list.")
    return file_name


async def read_body(request: Request, limit: int = MAX_UPLOAD_BYTES) -> bytes:
    """The request body, refused as soon as it is over ``limit`` bytes (also when Content-Length says so)."""
    declared = request.headers.get("content-length")
    too_large = UploadTooLargeError(f"The file is larger than {limit // (1024 * 1024)} MiB; split the list.")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def check_content(file_name: str, data: bytes) -> None:
    """Refuse bytes that are not the kind the name says (an XLSX must be a ZIP, a CSV readable text)."""
    if not data:
        raise LifecircleInputError(f"'{file_name}' is empty.")
    if file_name.lower().endswith(".xlsx"):
        if not data.startswith(b"PK\x03\x04"):
            raise LifecircleInputError(f"'{file_name}' is not an XLSX workbook; save the list as .xlsx or .csv.")
        return
    if b"\x00" in data[:4096]:
        raise LifecircleInputError(f"'{file_name}' is not a CSV text file; save the list as .csv (UTF-8) or .xlsx.")
    for encoding in ("utf-8-sig", "gbk"):
        try:
            data.decode(encoding)
            return
        except UnicodeDecodeError:
            continue
    raise LifecircleInputError(f"'{file_name}' is not text in UTF-8 or GBK; save the list as CSV UTF-8 or .xlsx.")


def staged_upload(file_name: str, data: bytes) -> tempfile.TemporaryDirectory[str]:
    """A temporary folder holding the upload under its (checked) name; the caller removes it (``with``)."""
    tmp = tempfile.TemporaryDirectory(prefix="lifecircle-upload-")
    (Path(tmp.name) / file_name).write_bytes(data)
    return tmp
