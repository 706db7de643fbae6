"""Load and check a catalogue of government-purchased services -> immutable ``Catalog``.

A catalogue is JSON checked by ``schema/catalog.schema.json`` (draft 2020-12) plus the
structural rules a schema cannot express. Every problem is reported at once, each with
its JSON path, so a department fixing its catalogue sees the whole list in one pass.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from types import MappingProxyType
from typing import Any

BUILTIN_CATALOG = "zhengzhou_civil_affairs_2020.json"
SCHEMA_FILE = "catalog.schema.json"


class CatalogError(Exception):
    """The catalogue cannot be used: unreadable, or invalid (``problems`` lists why)."""

    def __init__(self, message: str, problems: list[CatalogProblem] | None = None) -> None:
        self.problems = problems or []
        detail = "".join(f"\n  {p}" for p in self.problems)
        super().__init__(message + detail)


@dataclass(frozen=True)
class CatalogProblem:
    """One reason a catalogue is invalid, located by JSON path (e.g. ``$.entries[3].code``)."""

    path: str
    message: str
    kind: str = "schema"  # "schema" or a structural rule id

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    level: int
    parent: str | None
    description: str = ""
    status: str = "active"
    annotations: tuple[Mapping[str, str], ...] = ()

    @property
    def label(self) -> str:
        """The "code name" form used in dropdowns, e.g. ``033A0101 居家养老服务``."""
        return f"{self.code} {self.name}"


def _data_file(name: str) -> Any:
    return resources.files("toolkit").joinpath("data").joinpath(name)


def load_schema() -> dict[str, Any]:
    return json.loads(_data_file(SCHEMA_FILE).read_text(encoding="utf-8"))


def _json_path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _schema_problems(data: Any) -> list[CatalogProblem]:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(load_schema())
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        problems.append(CatalogProblem(_json_path(error.absolute_path), error.message))
    return problems


def _structural_problems(data: Mapping[str, Any]) -> list[CatalogProblem]:
    """Rules a JSON Schema cannot express. Tolerates entries the schema already rejected."""
    problems: list[CatalogProblem] = []
    entries = data.get("entries")
    if not isinstance(entries, list):
        return problems
    dept = data.get("department_code") if isinstance(data.get("department_code"), str) else None

    def add(i: int, key: str, kind: str, message: str) -> None:
        problems.append(CatalogProblem(f"$.entries[{i}].{key}", message, kind))

    by_code: dict[str, tuple[int, Mapping[str, Any]]] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            continue
        code = entry.get("code")
        if not isinstance(code, str):
            continue
        if code in by_code:
            add(i, "code", "duplicate-code", f"编码 {code} 重复（与第 {by_code[code][0]} 项相同）")
        else:
            by_code[code] = (i, entry)
        if dept and not code.startswith(dept):
            add(i, "code", "department-prefix", f"编码 {code} 不以部门编码 {dept} 开头")
        level = entry.get("level")
        expected = (len(code) - 2) // 2 if len(code) >= 4 else None
        if isinstance(level, int) and expected is not None and level != expected:
            add(
                i, "level", "level-mismatch", f"编码 {code} 是第 {expected} 级，但 level 为 {level}"
            )
        name = entry.get("name")
        if isinstance(name, str) and not name.strip():
            add(i, "name", "empty-name", f"{code} 的名称为空")

    children: dict[str, list[int]] = {}
    siblings: dict[tuple[str | None, str], int] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("code"), str):
            continue
        code, parent, level = entry["code"], entry.get("parent"), entry.get("level")
        if isinstance(parent, str):
            children.setdefault(parent, []).append(i)
            if parent not in by_code:
                add(i, "parent", "missing-parent", f"{code} 的上级编码 {parent} 不存在")
            else:
                parent_level = by_code[parent][1].get("level")
                if isinstance(level, int) and parent_level != level - 1:
                    add(
                        i,
                        "parent",
                        "parent-level",
                        f"{code}（第 {level} 级）的上级 {parent} 应为第 {level - 1} 级",
                    )
            if not code.startswith(parent) or code == parent:
                add(i, "parent", "parent-prefix", f"{code} 的编码不以上级编码 {parent} 开头")
        name = entry.get("name")
        if isinstance(name, str) and name.strip():
            key = (parent if isinstance(parent, str) else None, name.strip())
            if key in siblings:
                add(
                    i,
                    "name",
                    "duplicate-sibling-name",
                    f"{code} 与同级第 {siblings[key]} 项重名：{name.strip()}",
                )
            else:
                siblings[key] = i

    for code, (i, entry) in by_code.items():
        if entry.get("level") in (1, 2) and code not in children:
            add(i, "code", "childless-category", f"第 {entry.get('level')} 级目录 {code} 没有下级")
    return problems


def validate_catalog(data: Any) -> list[CatalogProblem]:
    """Every problem with a catalogue document: schema errors first, then structural ones."""
    return _schema_problems(data) + _structural_problems(data if isinstance(data, Mapping) else {})


def canonical_json(data: Mapping[str, Any]) -> str:
    """The form the SHA-256 is taken of: sorted keys, no whitespace, UTF-8."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# The built-in catalogue's document checked against the packaged schema: the key
# ``checked_key`` gives them (tests/catalog/test_catalog.py keeps it true, and keeps the
# document valid).
BUILTIN_CHECKED_KEY = "a9ecd43d657ce7babc1d442ba97ea8f8609ac9a330e3e061ea3bfefef9c2e20d"
# Keys of the documents found valid in this process, the built-in one from the start:
# ``validate_catalog`` is a pure function of the schema and the document, so the same
# pair is not checked twice. A run on the built-in catalogue then never imports
# jsonschema (60 ms), and a forked worker rebuilding the parent's catalogue (``from_dict``
# of ``to_dict``) does not check it again.
_VALID: set[str] = {BUILTIN_CHECKED_KEY}


@functools.cache
def _schema_canonical() -> str:
    """The packaged schema in canonical JSON, read once per process (it is package data)."""
    return canonical_json(load_schema())


def checked_key(data: Any) -> str | None:
    """SHA-256 of the packaged schema and ``data`` in canonical JSON; None when ``data``
    is not plain JSON (then it is always checked)."""
    try:
        text = _schema_canonical() + "\n" + canonical_json(data)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    except (TypeError, ValueError):  # not JSON-serialisable, unsortable keys, lone surrogates
        return None


def _problems_once(data: Any) -> list[CatalogProblem]:
    """``validate_catalog(data)``, skipped for a document already found valid."""
    key = checked_key(data)
    if key is not None and key in _VALID:
        return []
    problems = validate_catalog(data)
    if key is not None and not problems:
        _VALID.add(key)
    return problems


@dataclass(frozen=True)
class Catalog:
    """An immutable, validated catalogue. Build it with ``load_catalog`` or ``from_dict``."""

    metadata: Mapping[str, Any]
    entries: tuple[Entry, ...]
    source: str = "<built-in>"
    _by_code: Mapping[str, Entry] = field(repr=False, compare=False, default_factory=dict)
    _children: Mapping[str | None, tuple[Entry, ...]] = field(
        repr=False, compare=False, default_factory=dict
    )

    @classmethod
    def from_dict(cls, data: Any, source: str = "<data>") -> Catalog:
        problems = _problems_once(data)
        if problems:
            raise CatalogError(f"目录无效：{source}（{len(problems)} 个问题）", problems)
        entries = tuple(
            Entry(
                code=e["code"],
                name=e["name"],
                level=e["level"],
                parent=e["parent"],
                description=e.get("description", ""),
                status=e.get("status", "active"),
                annotations=tuple(MappingProxyType(dict(a)) for a in e.get("annotations", ())),
            )
            for e in data["entries"]
        )
        children: dict[str | None, list[Entry]] = {}
        for e in entries:
            children.setdefault(e.parent, []).append(e)
        metadata = {k: v for k, v in data.items() if k != "entries"}
        return cls(
            metadata=MappingProxyType(json.loads(json.dumps(metadata))),
            entries=entries,
            source=source,
            _by_code=MappingProxyType({e.code: e for e in entries}),
            _children=MappingProxyType({k: tuple(v) for k, v in children.items()}),
        )

    # -- metadata ---------------------------------------------------------------------
    @property
    def id(self) -> str:
        return str(self.metadata["id"])

    @property
    def version(self) -> str:
        return str(self.metadata["version"])

    @property
    def title(self) -> str:
        return str(self.metadata["title"])

    @property
    def department_code(self) -> str:
        return str(self.metadata["department_code"])

    def to_dict(self) -> dict[str, Any]:
        """The catalogue document, as it would be written to JSON (round-trips exactly)."""
        out: dict[str, Any] = json.loads(json.dumps(dict(self.metadata)))
        rows = []
        for e in self.entries:
            row: dict[str, Any] = {
                "code": e.code,
                "name": e.name,
                "level": e.level,
                "parent": e.parent,
            }
            if e.description:
                row["description"] = e.description
            if e.status != "active":
                row["status"] = e.status
            if e.annotations:
                row["annotations"] = [dict(a) for a in e.annotations]
            rows.append(row)
        out["entries"] = rows
        return out

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the canonical JSON: templates are stamped with it."""
        return hashlib.sha256(canonical_json(self.to_dict()).encode("utf-8")).hexdigest()

    # -- lookup -----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __getitem__(self, code: str) -> Entry:
        return self._by_code[code]

    def get(self, code: str) -> Entry | None:
        return self._by_code.get(code)

    def parent(self, code: str) -> Entry | None:
        p = self._by_code[code].parent
        return self._by_code[p] if p else None

    def children(self, code: str | None = None) -> tuple[Entry, ...]:
        """Children of ``code``; with no code, the level-1 entries."""
        return self._children.get(code, ())

    def ancestor(self, code: str, level: int) -> Entry | None:
        """The ancestor (or the entry itself) at ``level``, or None if ``code`` is above it."""
        entry = self._by_code[code]
        while entry.level > level:
            entry = self._by_code[entry.parent]  # type: ignore[index]
        return entry if entry.level == level else None

    def level1(self, code: str) -> Entry:
        return self.ancestor(code, 1)  # type: ignore[return-value]

    def level2(self, code: str) -> Entry | None:
        return self.ancestor(code, 2)

    def is_leaf(self, code: str) -> bool:
        return code in self._by_code and not self._children.get(code)

    @cached_property
    def leaves(self) -> tuple[Entry, ...]:
        """Entries with no children, in catalogue order: the codes a budget line may use."""
        return tuple(e for e in self.entries if not self._children.get(e.code))

    def level(self, n: int) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.level == n)
