"""Examining one received file: copy and hash it, check it, decide whose it is.

This is the part of receiving that needs no database, so a batch runs it in worker
processes. The file is copied once into the data folder's scratch space while it is
hashed, and the copy is what gets checked (as ``toolkit.check`` checks one file:
``rules.batch.check_one``) and, unless it is refused, moved into ``originals/``: what is
stored is byte for byte what was checked. Nothing here is visible to anyone until
``submissions`` commits its rows.
"""

from __future__ import annotations

import functools
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.rules.result import ROW_COLUMNS
from toolkit.store.blobs import BlobStore, copy_hashed
from toolkit.store.rounds import unit_key
from toolkit.xlsx.container import OTHER_SPREADSHEET_SUFFIXES

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.catalog import Catalog

# What a folder given to `submit` yields: the workbooks and every other spreadsheet file
# (those are checked too, and get `file-format`), never Office lock files or hidden ones.
SPREADSHEET_SUFFIXES = (".xlsx", *OTHER_SPREADSHEET_SUFFIXES)
SIGNER, PHONE = "填报人", "联系电话"
ITEM_COLUMNS = ("sheet", "row", "code", "level1", "level2", "project", "amount_fen",
                "amount_cell", "accepted", "reasons")  # fmt: skip
_FEN = ITEM_COLUMNS.index("amount_fen")
_ACCEPTED = ITEM_COLUMNS.index("accepted")
_SUFFIX_RE = re.compile(r"^\.[a-z0-9]{1,8}$")
_CUSTOM_XML = "docProps/custom.xml"
_STAMP_UNIT = "budget_toolkit.unit"


@dataclass(frozen=True)
class Context:
    """What a worker needs to examine files for one round (picklable)."""

    data_dir: str
    round_id: str
    year: int
    catalog_id: str
    catalog_sha256: str
    catalog_doc: str
    units: tuple[str, ...]


@dataclass(frozen=True)
class Job:
    path: str  # as given
    name: str  # the file's own name, as received
    expected_unit: str | None = None  # the round's spelling, when the sender is known


@dataclass
class Examined:
    """A checked file: its hash, its check in plain data, and whose it is."""

    job: Job
    sha256: str | None = None
    size: int = 0
    unit: str | None = None  # the round's unit it belongs to (None when refused)
    refusal: tuple[str, str] | None = None  # (reason code, Chinese message)
    status: str = "unreadable"
    file_unit: str | None = None
    file_year: int | None = None
    file_round: str | None = None
    file_catalog_sha256: str | None = None
    signature: dict[str, str] = field(default_factory=dict)
    errors: int = 0
    warnings: int = 0
    issues: list[dict[str, Any]] = field(default_factory=list)
    items: list[tuple[Any, ...]] = field(default_factory=list)
    check: dict[str, Any] | None = None

    @functools.cached_property
    def rows_read(self) -> int:
        return len(self.items)

    @functools.cached_property
    def rows_accepted(self) -> int:
        return sum(1 for it in self.items if it[_ACCEPTED])

    @functools.cached_property
    def amount_read_fen(self) -> int:
        return sum(it[_FEN] or 0 for it in self.items)

    @functools.cached_property
    def amount_accepted_fen(self) -> int:
        return sum(it[_FEN] or 0 for it in self.items if it[_ACCEPTED])

    @property
    def signer(self) -> str:
        return (self.signature.get(SIGNER) or "").strip()

    @property
    def phone(self) -> str:
        return (self.signature.get(PHONE) or "").strip()


def find_files(paths: list[Path]) -> list[Path]:
    """Files as given, and spreadsheet files found under folders (sorted, recursive)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = [
                f
                for f in p.rglob("*")
                if f.is_file()
                and f.suffix.lower() in SPREADSHEET_SUFFIXES
                and not f.name.startswith(("~$", "."))
            ]
            out.extend(sorted(found))
        else:
            out.append(p)
    return out


_CATALOGS: dict[str, Catalog] = {}


def _catalog(ctx: Context) -> Catalog:
    cat = _CATALOGS.get(ctx.catalog_sha256)
    if cat is None:
        from toolkit.catalog import Catalog

        cat = Catalog.from_dict(json.loads(ctx.catalog_doc), source=f"round {ctx.round_id}")
        _CATALOGS[ctx.catalog_sha256] = cat
    return cat


def remember_catalog(cat: Catalog) -> None:
    """Share an already built catalogue with forked workers (saves rebuilding it)."""
    _CATALOGS[cat.sha256] = cat


def examine(ctx: Context, job: Job) -> Examined:
    """Copy, hash and check ``job``'s file; store the original unless it is refused."""
    blobs = BlobStore(Path(ctx.data_dir))
    out = Examined(job=job)
    with blobs.scratch() as folder:
        suffix = Path(job.name).suffix.lower()
        staged = folder / ("original" + (suffix if _SUFFIX_RE.match(suffix) else ""))
        try:
            out.sha256, out.size = copy_hashed(Path(job.path), staged)
        except OSError as exc:
            out.refusal = ("file-unreadable", f"文件无法读取：{exc.strerror or exc}")
            return out
        _check(ctx, staged, out)
        out.unit, out.refusal = identify(ctx, out, job.expected_unit, stamp_unit(staged))
        if out.refusal is None:
            blobs.adopt(staged, out.sha256)
    return out


def _check(ctx: Context, staged: Path, out: Examined) -> None:
    """``toolkit.check([staged])``, one file at a time, without building its DataFrame."""
    from toolkit.output.render import file_json
    from toolkit.rules.batch import check_one
    from toolkit.totals.amounts import rows_amounts

    fr, rows = check_one(staged, _catalog(ctx), units=list(ctx.units), jobs=1)
    block = file_json(fr, rows_amounts(rows))
    block["path"] = out.job.name
    out.check = block
    out.status = fr.status
    out.file_unit, out.file_year, out.file_round = fr.unit, fr.year, fr.round_id
    out.file_catalog_sha256 = fr.catalog_sha256
    out.signature = {str(k): str(v) for k, v in (fr.signature or {}).items() if v is not None}
    out.errors, out.warnings = fr.errors, fr.warnings
    out.issues = [
        {k: i.get(k) for k in ("rule", "severity", "sheet", "cell", "row", "column", "value",
                               "message")}
        for i in block["issues"]
    ]  # fmt: skip
    columns = [ROW_COLUMNS.index(c) for c in ITEM_COLUMNS]
    out.items = [tuple(_plain_value(row[i]) for i in columns) for row in rows]


def _plain_value(v: Any) -> Any:
    """A row tuple's value as plain Python for the database (numpy -> int, NaN -> None)."""
    if v is None or (type(v) is float and v != v):
        return None
    if hasattr(v, "item"):  # a numpy scalar
        return v.item()
    return v


def stamp_unit(path: Path) -> str | None:
    """The unit a per-unit template was made for (custom property ``budget_toolkit.unit``).

    Read from the documented stamp in ``docProps/custom.xml``; None when absent or
    unreadable (a generic template, or a file that is not a workbook).
    """
    from defusedxml import ElementTree

    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(_CUSTOM_XML)
            if info.file_size > 1 << 20:
                return None
            root = ElementTree.fromstring(zf.read(info))
    except Exception:  # not a zip, no custom properties, bad XML: no stamp to compare
        return None
    for prop in root:
        if prop.get("name") == _STAMP_UNIT:
            text = "".join(prop.itertext()).strip()
            return text or None
    return None


def identify(
    ctx: Context, ex: Examined, expected: str | None, stamped: str | None
) -> tuple[str | None, tuple[str, str] | None]:
    """(the round's unit the file belongs to, None) or (None, (reason, message))."""
    if ex.refusal is not None:
        return None, ex.refusal
    if ex.file_round and ex.file_round != ctx.round_id:
        return None, (
            "round-mismatch",
            f"此表是为报送轮次 {ex.file_round} 生成的，不是本轮 {ctx.round_id}",
        )
    if ex.status == "unreadable":
        return None, ("file-unreadable", "文件无法读取：" + _error_text(ex))
    unit, refusal = _unit(ctx, ex, expected, stamped)
    if refusal:
        return None, refusal
    if ex.file_year is None:
        return None, ("year-undetermined", "无法确定预算年度（表头标题和模板标识中都没有年度）")
    if ex.file_year != ctx.year:
        return None, ("year-mismatch", f"此表是 {ex.file_year} 年度的，本轮是 {ctx.year} 年度")
    if ex.file_catalog_sha256 and ex.file_catalog_sha256 != ctx.catalog_sha256:
        return None, ("catalog-mismatch", "此表所用目录与本轮目录不一致，请使用本轮下发的模板")
    return unit, None


def _unit(
    ctx: Context, ex: Examined, expected: str | None, stamped: str | None
) -> tuple[str | None, tuple[str, str] | None]:
    by_key = {unit_key(u): u for u in ctx.units}
    named = ex.file_unit
    if expected is not None:
        for what, name in (("填报单位填的是", named), ("所用模板是为", stamped)):
            if name and unit_key(name) != unit_key(expected):
                tail = "" if what.startswith("填") else "生成的"
                return None, ("unit-mismatch", f"{what}“{name}”{tail}，不是“{expected}”")
        return expected, None
    if not named:
        return None, ("unit-undetermined", "无法确定填报单位：" + _error_text(ex))
    if unit_key(named) not in by_key:
        return None, ("unit-not-in-round", f"“{named}”不在本轮的单位名单中")
    if stamped and unit_key(stamped) != unit_key(named):
        return None, ("unit-mismatch", f"填报单位填的是“{named}”，但模板是为“{stamped}”生成的")
    return by_key[unit_key(named)], None


def _error_text(ex: Examined, limit: int = 300) -> str:
    """The file's error messages, joined, for a refusal's reason."""
    text = "；".join(i["message"] for i in ex.issues if i["severity"] == "error")
    return (text[:limit] + "…" if len(text) > limit else text) or "未读到填报单位"
