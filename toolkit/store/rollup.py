"""The roll-up of a round: the plain roll-up over each unit's current counted version.

The current version of every unit that is 已审核 (with ``include_submitted``, also
已提交) is taken from ``originals/`` after its SHA-256 is verified, copied read-only to
``rounds/<round>/<nn>_<unit>_第<N>版.xlsx`` (a name that says which version counts, in
every report), and checked and summed by the very functions ``budget-toolkit rollup``
uses (``toolkit.check``, ``toolkit.summarize``), so the totals, reports and
reconciliation are those of ``rollup`` over the same files. The fresh check is compared
with what was stored when each file was received; any difference (a changed checker,
a damaged store) is reported as a ``Discrepancy`` rather than counted silently.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.store.blobs import sha256_file
from toolkit.store.lifecycle import State
from toolkit.store.rounds import round_catalog, round_status

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.rules.result import CheckResult
    from toolkit.store.models import Round, Submission, UnitStatus
    from toolkit.store.store import Store
    from toolkit.totals.rollup import RollupSummary

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass(frozen=True)
class Discrepancy:
    """A counted version whose fresh check differs from the check stored at receipt."""

    unit: str
    version: int
    field: str
    stored: Any
    found: Any

    def to_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "version": self.version, "field": self.field,
                "stored": self.stored, "found": self.found}  # fmt: skip


@dataclass
class RoundRollup:
    """What ``rollup_round`` found; ``summary()`` is ``toolkit.summarize`` of ``result``."""

    round: Round
    include: tuple[str, ...]
    counted: list[Submission]
    not_counted: list[UnitStatus]
    paths: list[Path]
    result: CheckResult
    discrepancies: list[Discrepancy] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.discrepancies

    def summary(self, strict: bool = False) -> RollupSummary:
        import toolkit

        return toolkit.summarize(self.result, units=list(self.round.units), strict=strict)


def rollup_round(
    store: Store, round_id: str, *, include_submitted: bool = False, jobs: int | None = None
) -> RoundRollup:
    """Check the current counted version of each unit again and return it for totals.

    Raises ``IntegrityProblem`` when an original is missing or damaged.
    """
    import toolkit

    status = round_status(store, round_id)
    rnd = status.round
    states = {State.APPROVED} | ({State.SUBMITTED} if include_submitted else set())
    counted_units = [u for u in status.units if u.current and u.current.state in states]
    counted = [u.current for u in counted_units if u.current is not None]
    paths = [_view(store, rnd, u.position, sub) for u, sub in zip(counted_units, counted,
                                                                    strict=True)]  # fmt: skip
    result = toolkit.check(paths, round_catalog(store, round_id), units=list(rnd.units),
                           jobs=jobs)  # fmt: skip
    return RoundRollup(
        round=rnd,
        include=tuple(sorted(s.value for s in states)),
        counted=counted,
        not_counted=[u for u in status.units if u not in counted_units],
        paths=paths,
        result=result,
        discrepancies=_compare(
            result, {p.resolve(): s for p, s in zip(paths, counted, strict=True)}
        ),
    )


def view_name(position: int, unit: str, version: int) -> str:
    return f"{position:02d}_{_UNSAFE.sub('_', unit)}_第{version}版.xlsx"


def _view(store: Store, rnd: Round, position: int, sub: Submission) -> Path:
    """A read-only copy of the version's original, named by unit and version."""
    folder = store.root / "rounds" / rnd.id
    target = folder / view_name(position, sub.unit, sub.version)
    if target.is_file() and sha256_file(target)[0] == sub.sha256:
        return target
    source = store.blobs.verified(sub.sha256)
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".view-", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        shutil.copyfile(source, name)
        os.chmod(name, 0o444)
        os.replace(name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return target


def _fen(text: str) -> int:
    return int(Decimal(text) * 100)


def _compare(result: CheckResult, by_path: dict[Path, Submission]) -> list[Discrepancy]:
    import toolkit

    out = []
    for block in toolkit.files_json(result):
        sub = by_path[Path(block["path"]).resolve()]
        pairs = {
            "status": (sub.check_status, block["status"]),
            "errors": (sub.errors, block["errors"]),
            "rows": (sub.rows_read, block["rows"]),
            "rows_accepted": (sub.rows_accepted, block["rows_accepted"]),
            "amount_read_fen": (sub.amount_read_fen, _fen(block["amount_read"])),
            "amount_accepted_fen": (sub.amount_accepted_fen, _fen(block["amount_accepted"])),
            "counts": (True, block["counts"]),
        }
        out += [
            Discrepancy(sub.unit, sub.version, k, a, b) for k, (a, b) in pairs.items() if a != b
        ]
    return out
