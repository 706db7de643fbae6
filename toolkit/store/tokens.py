"""Unit links: one unguessable token per unit of a round, kept only as its SHA-256.

A token is 32 random bytes (``secrets.token_urlsafe(32)``: 256 bits); the database keeps
its SHA-256, so a copy of the database opens no unit's page. The plain token exists only
in the link handed out when it is issued; issuing again revokes the unit's old link.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from toolkit.store import events as ev
from toolkit.store.db import read_tx, write_tx
from toolkit.store.rounds import get_round, round_unit
from toolkit.store.schema import unit_tokens

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.store.store import Store

TOKEN_BYTES = 32
_MAX_TOKEN_CHARS = 100


@dataclass(frozen=True)
class UnitLink:
    """A freshly issued link: the only time the plain token is known."""

    round_id: str
    unit: str
    token: str

    def url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/u/{self.token}/"


@dataclass(frozen=True)
class LinkState:
    """What finance sees of a unit's link: when it was issued, never the token."""

    unit: str
    issued_at: datetime | None
    issued_by: str | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_links(
    store: Store, round_id: str, units: list[str] | None = None, *, actor: str
) -> list[UnitLink]:
    """New links for ``units`` (default: every unit of the round); old ones stop working."""
    rnd = get_round(store, round_id)
    names = list(rnd.units) if not units else [round_unit(store, round_id, u) for u in units]
    links = [UnitLink(rnd.id, u, secrets.token_urlsafe(TOKEN_BYTES)) for u in names]
    at = ev.now()
    with write_tx(store.engine) as conn:
        for link in links:
            _revoke_in(conn, rnd.id, link.unit, actor, at)
            conn.execute(
                unit_tokens.insert().values(
                    round_id=rnd.id, unit=link.unit, token_sha256=token_hash(link.token),
                    created_at=at, created_by=actor,
                )
            )  # fmt: skip
        ev.record(conn, rnd.id, "link.issue", actor, at=at, detail={"units": names})
    return links


def revoke_link(store: Store, round_id: str, unit: str, *, actor: str) -> None:
    """The unit's link stops working; it has none until one is issued again."""
    name = round_unit(store, round_id, unit)
    at = ev.now()
    with write_tx(store.engine) as conn:
        _revoke_in(conn, round_id, name, actor, at)
        ev.record(conn, round_id, "link.revoke", actor, at=at, unit=name, detail={})


def _revoke_in(conn: Connection, round_id: str, unit: str, actor: str, at: datetime) -> None:
    conn.execute(
        unit_tokens.update()
        .where(
            unit_tokens.c.round_id == round_id,
            unit_tokens.c.unit == unit,
            unit_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=at, revoked_by=actor)
    )


def resolve(store: Store, token: str | None) -> tuple[str, str] | None:
    """(round id, unit) of a live token; None for a wrong, revoked or malformed one."""
    if not token or len(token) > _MAX_TOKEN_CHARS:
        return None
    digest = token_hash(token)
    with read_tx(store.engine) as conn:
        row = conn.execute(
            select(unit_tokens.c.round_id, unit_tokens.c.unit, unit_tokens.c.token_sha256).where(
                unit_tokens.c.token_sha256 == digest, unit_tokens.c.revoked_at.is_(None)
            )
        ).first()
    if row is None or not hmac.compare_digest(row.token_sha256, digest):
        return None
    return row.round_id, row.unit


def link_states(store: Store, round_id: str) -> list[LinkState]:
    """Every unit of the round with its live link's issue time (None: no live link)."""
    rnd = get_round(store, round_id)
    with read_tx(store.engine) as conn:
        rows = conn.execute(
            select(unit_tokens.c.unit, unit_tokens.c.created_at, unit_tokens.c.created_by).where(
                unit_tokens.c.round_id == rnd.id, unit_tokens.c.revoked_at.is_(None)
            )
        ).all()
    live = {r.unit: r for r in rows}
    return [
        LinkState(u, live[u].created_at if u in live else None,
                  live[u].created_by if u in live else None)
        for u in rnd.units
    ]  # fmt: skip
