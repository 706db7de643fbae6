"""Small helpers the pages share: money and times as people read them, category names."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from toolkit import cellref
from toolkit.store.rounds import CHINA

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.catalog import Catalog
    from toolkit.store.store import Store


def yuan(fen: int | None) -> str:
    """Integer fen as 元 with thousands separators and two places, exactly."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def when(at: datetime | None) -> str:
    """A UTC time as Beijing time, to the minute."""
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if at else "—"


def column_letter(column: int | None) -> str:
    """A stored column number as its letters; nothing when the issue has no column."""
    return cellref.column_letter(column) if column else ""


async def home(request: Request) -> Response:
    return RedirectResponse("/admin/", status_code=303)


_CATALOGS: dict[tuple[str, str], Catalog] = {}


def _catalog(store: Store, round_id: str) -> Catalog:
    """A round's catalogue never changes (its SHA-256 is fixed): build it once."""
    from toolkit.store.rounds import round_catalog

    key = (store.store_id, round_id)
    if key not in _CATALOGS:
        _CATALOGS[key] = round_catalog(store, round_id)
    return _CATALOGS[key]


def category_totals(store: Store, round_id: str, sub_id: int) -> list[dict[str, Any]]:
    """The version's accepted fen per 一级 and 二级 category, as the roll-up counts them
    (``toolkit.store.submission_totals``), with the catalogue's names."""
    from toolkit.store.records import submission_totals

    cat = _catalog(store, round_id)
    totals = submission_totals(store, sub_id)
    rows: list[dict[str, Any]] = []
    for code1, fen1 in totals["level1"].items():
        rows.append({"level": 1, "code": code1, "name": _name(cat, code1), "fen": fen1})
        for code2, fen2 in totals["level2"].items():
            if _parent1(cat, code2) == code1:
                rows.append({"level": 2, "code": code2, "name": _name(cat, code2), "fen": fen2})
    return rows


def _name(cat: Catalog, code: str) -> str:
    entry = cat.get(code)
    return entry.name if entry is not None else ""


def _parent1(cat: Catalog, code: str) -> str | None:
    entry = cat.get(code)
    return cat.level1(code).code if entry is not None else None


def event_label(kind: str) -> str:
    """The event log's kinds as ``budget-toolkit history`` names them."""
    from toolkit.store.events import EVENT_LABELS

    return {**EVENT_LABELS, "link.issue": "生成报送链接", "link.revoke": "停用报送链接"}.get(
        kind, kind
    )


def event_text(event: Any) -> str:
    """An event's detail as ``budget-toolkit history`` prints it."""
    from toolkit.store.events import event_text as _event_text

    if event.kind == "link.issue":
        return "、".join(event.detail.get("units", []))
    return _event_text(event)
