"""Rounds: create and list them, their catalogue, the board of a round, its templates.

A round fixes the year, the catalogue (its document is kept whole), the units expected,
the amount unit and the deadline. Its id (``2027-01-3fa9c2``: year, sequence, random
suffix) is stamped into the round's templates, so a file sent back names its round.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from toolkit import form
from toolkit.store import events as ev
from toolkit.store.db import read_tx, write_tx
from toolkit.store.errors import IntegrityProblem, NotFound
from toolkit.store.lifecycle import LOCKED, State, unit_state
from toolkit.store.models import Event, Round, RoundStatus, Submission, UnitStatus
from toolkit.store.queries import SUBMISSION_COLUMNS
from toolkit.store.schema import events, issues, round_units, rounds, submissions

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.catalog import Catalog
    from toolkit.store.store import Store

AMOUNT_UNITS = form.AMOUNT_UNITS
CHINA = timezone(timedelta(hours=8), "CST")  # deadlines are days in China Standard Time
_DATE_RE = re.compile(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})")
_SPACE_RE = re.compile(r"\s+")


def unit_key(name: str) -> str:
    """How names are compared: NFKC, every space removed (as the checker compares them)."""
    return _SPACE_RE.sub("", unicodedata.normalize("NFKC", name))


def parse_deadline(text: str | None) -> date | None:
    """``2026年12月15日``, ``2026-12-15``, ``2026/12/15`` -> a date; anything else None."""
    if not text:
        return None
    m = _DATE_RE.search(unicodedata.normalize("NFKC", text))
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def deadline_end(day: date) -> datetime:
    """The last moment of the deadline day, Beijing time."""
    return datetime.combine(day + timedelta(days=1), time(), CHINA) - timedelta(microseconds=1)


def _clean_units(units: Iterable[str]) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(u.strip() for u in units if u and u.strip()))
    if not names:
        raise ValueError("单位名单为空")
    keys: dict[str, str] = {}
    for name in names:
        if unit_key(name) in keys:
            raise ValueError(f"单位名单中“{keys[unit_key(name)]}”与“{name}”视为同一单位")
        keys[unit_key(name)] = name
    return names


def create_round(
    store: Store,
    year: int,
    *,
    units: Sequence[str] | None = None,
    catalog: Catalog | None = None,
    amount_unit: str = "元",
    deadline: str | None = None,
    actor: str,
) -> Round:
    """Create a round; ``units`` default to the 16 Zhengzhou units, ``catalog`` to the
    built-in one. Bad options raise ``ValueError`` before anything is written."""
    import toolkit
    from toolkit.form import load_units

    if not 1900 <= int(year) <= 9999:
        raise ValueError(f"年度应为四位数字，得到 {year}")
    if amount_unit not in AMOUNT_UNITS:
        raise ValueError(f"金额单位应为 元 或 万元，得到 {amount_unit!r}")
    names = _clean_units(load_units(None) if units is None else units)
    cat = catalog if catalog is not None else toolkit.load_catalog()
    doc = json.dumps(cat.to_dict(), ensure_ascii=False, sort_keys=True)
    deadline = deadline.strip() if deadline and deadline.strip() else None
    for _attempt in range(5):
        try:
            with write_tx(store.engine) as conn:
                return _insert_round(conn, int(year), names, cat, doc, amount_unit, deadline, actor)
        except IntegrityError:  # a concurrent create took the sequence number: take the next
            continue
    raise RuntimeError("could not allocate a round id")  # pragma: no cover


def _insert_round(
    conn: Connection,
    year: int,
    names: tuple[str, ...],
    cat: Catalog,
    doc: str,
    amount_unit: str,
    deadline: str | None,
    actor: str,
) -> Round:
    seq = (
        conn.execute(select(func.max(rounds.c.seq)).where(rounds.c.year == year)).scalar() or 0
    ) + 1
    created = Round(
        id=f"{year}-{seq:02d}-{secrets.token_hex(3)}",
        year=year,
        seq=seq,
        catalog_id=cat.id,
        catalog_version=cat.version,
        catalog_sha256=cat.sha256,
        amount_unit=amount_unit,
        deadline=deadline,
        deadline_date=parse_deadline(deadline),
        created_at=ev.now(),
        created_by=actor,
        units=names,
    )
    values = {k: v for k, v in vars(created).items() if k != "units"}
    conn.execute(rounds.insert().values(**values, catalog_doc=doc))
    conn.execute(
        round_units.insert(),
        [
            {"round_id": created.id, "unit": u, "position": i, "unit_key": unit_key(u)}
            for i, u in enumerate(names, start=1)
        ],
    )
    ev.record(
        conn,
        created.id,
        "round.create",
        actor,
        at=created.created_at,
        detail={"year": year, "units": list(names), "catalog_sha256": cat.sha256,
                "amount_unit": amount_unit, "deadline": deadline},
    )  # fmt: skip
    return created


def _round(conn: Connection, round_id: str) -> Round:
    row = conn.execute(select(rounds).where(rounds.c.id == round_id)).first()
    if row is None:
        raise NotFound(
            "no-round", f"没有编号为 {round_id} 的报送轮次（budget-toolkit round list 查看）"
        )
    names = conn.execute(
        select(round_units.c.unit)
        .where(round_units.c.round_id == round_id)
        .order_by(round_units.c.position)
    ).scalars()
    m = row._mapping
    return Round(
        **{k: m[k] for k in Round.__dataclass_fields__ if k != "units"}, units=tuple(names)
    )


def get_round(store: Store, round_id: str) -> Round:
    """The round ``round_id``; ``NotFound`` when there is none."""
    with read_tx(store.engine) as conn:
        return _round(conn, round_id)


def list_rounds(store: Store) -> list[Round]:
    """Every round, oldest first."""
    with read_tx(store.engine) as conn:
        ids = conn.execute(select(rounds.c.id).order_by(rounds.c.created_at, rounds.c.id))
        return [_round(conn, i) for i in ids.scalars().all()]


def round_catalog(store: Store, round_id: str) -> Catalog:
    """The round's catalogue, rebuilt from the kept document and checked by SHA-256."""
    from toolkit.catalog import Catalog

    with read_tx(store.engine) as conn:
        row = conn.execute(
            select(rounds.c.catalog_doc, rounds.c.catalog_sha256).where(rounds.c.id == round_id)
        ).first()
    if row is None:
        raise NotFound("no-round", f"没有编号为 {round_id} 的报送轮次")
    cat = Catalog.from_dict(json.loads(row.catalog_doc), source=f"报送轮次 {round_id} 的目录")
    if cat.sha256 != row.catalog_sha256:
        raise IntegrityProblem(
            "catalog-changed", f"报送轮次 {round_id} 保存的目录与其 SHA-256 不符"
        )
    return cat


def current_versions(
    conn: Connection, round_id: str
) -> tuple[dict[str, Submission], dict[str, int]]:
    """Per unit: its current (newest) version, and how many versions it has."""
    rows = conn.execute(
        select(*SUBMISSION_COLUMNS)
        .where(submissions.c.round_id == round_id)
        .order_by(submissions.c.unit, submissions.c.version)
    )
    current: dict[str, Submission] = {}
    count: dict[str, int] = {}
    for row in rows:
        sub = Submission.from_row(row._mapping)
        current[sub.unit] = sub
        count[sub.unit] = count.get(sub.unit, 0) + 1
    return current, count


def _late(rnd: Round, sub: Submission | None, at: datetime) -> bool | None:
    if rnd.deadline_date is None:
        return None
    end = deadline_end(rnd.deadline_date)
    if sub is not None and sub.state in LOCKED and sub.submitted_at is not None:
        return sub.submitted_at > end
    return at > end


def round_status(store: Store, round_id: str) -> RoundStatus:
    """Every expected unit with its current version, state, amounts and issues."""
    with read_tx(store.engine) as conn:
        rnd = _round(conn, round_id)
        current, count = current_versions(conn, round_id)
        by_sub: dict[int, list[dict[str, Any]]] = {s.id: [] for s in current.values()}
        if by_sub:
            found = conn.execute(
                select(issues)
                .where(issues.c.submission_id.in_(list(by_sub)))
                .order_by(issues.c.submission_id, issues.c.seq)
            )
            for row in found:
                m = dict(row._mapping)
                by_sub[m.pop("submission_id")].append({k: v for k, v in m.items() if k != "seq"})
    at = ev.now()
    units = []
    for pos, name in enumerate(rnd.units, start=1):
        sub = current.get(name)
        units.append(
            UnitStatus(
                unit=name,
                position=pos,
                state=unit_state(sub.state if sub else None, sub.errors if sub else 0),
                versions=count.get(name, 0),
                current=sub,
                issues=by_sub.get(sub.id, []) if sub else [],
                late=_late(rnd, sub, at),
            )
        )
    return RoundStatus(round=rnd, units=units)


def write_round_templates(
    store: Store,
    round_id: str,
    outdir: str | Path,
    *,
    units: Sequence[str] | None = None,
    actor: str,
    **options: Any,
) -> list[Path]:
    """One template per unit of the round (or ``units``, which must be the round's),
    stamped with the round's id, year, catalogue, amount unit and deadline.

    ``options`` are the template's own (rows, cascade, password, stamp_time).
    """
    import toolkit

    rnd = get_round(store, round_id)
    chosen = list(rnd.units) if not units else [_round_unit(rnd, u) for u in units]
    for fixed in ("year", "amount_unit", "round_id", "deadline", "unit", "units"):
        if fixed in options:
            raise TypeError(f"the round decides {fixed}")
    paths = toolkit.write_templates(
        round_catalog(store, round_id),
        outdir,
        chosen,
        year=rnd.year,
        amount_unit=rnd.amount_unit,
        round_id=rnd.id,
        deadline=rnd.deadline,
        **options,
    )
    with write_tx(store.engine) as conn:
        ev.record(conn, rnd.id, "round.templates", actor,
                  detail={"units": chosen, "files": [p.name for p in paths]})  # fmt: skip
    return paths


def _round_unit(rnd: Round, name: str) -> str:
    """The round's spelling of ``name``; ``NotFound`` when the round does not expect it."""
    for u in rnd.units:
        if unit_key(u) == unit_key(name):
            return u
    raise NotFound("no-unit", f"报送轮次 {rnd.id} 的单位名单中没有“{name}”")


def round_unit(store: Store, round_id: str, name: str) -> str:
    return _round_unit(get_round(store, round_id), name)


def is_locked(state: State | None) -> bool:
    return state in LOCKED


def history(store: Store, round_id: str, unit: str | None = None) -> list[Event]:
    """The round's events in the order they were written (optionally one unit's)."""
    get_round(store, round_id)  # NotFound for an unknown round
    query = select(events).where(events.c.round_id == round_id).order_by(events.c.id)
    if unit is not None:
        query = query.where(events.c.unit == unit)
    with read_tx(store.engine) as conn:
        return [Event.from_row(r._mapping) for r in conn.execute(query)]
