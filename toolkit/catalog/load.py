"""Loading a catalogue: the built-in one, or a department's file (.json, .xlsx or .csv).

Sits above ``model`` (the data and its checks) and ``io`` (spreadsheet import), so the
model never reaches up into the importers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from toolkit.catalog.io import import_catalog
from toolkit.catalog.model import BUILTIN_CATALOG, Catalog, CatalogError, _data_file


def read_catalog_document(path: str | Path) -> Any:
    """Parse a catalogue file (.json, .xlsx or .csv) into its JSON document, unvalidated."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".csv"):
        return import_catalog(p)
    try:
        return json.loads(p.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise CatalogError(f"无法读取目录文件：{p}（{exc.strerror or exc}）") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError(f"目录文件不是有效的 JSON：{p}（{exc}）") from exc


_BUILTIN: Catalog | None = None


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load and validate a catalogue; with no path, the built-in Zhengzhou one.

    Raises ``CatalogError`` (with every problem listed) when it cannot be used.
    """
    global _BUILTIN
    if path is None:
        if _BUILTIN is None:
            data = json.loads(_data_file(BUILTIN_CATALOG).read_text(encoding="utf-8"))
            _BUILTIN = Catalog.from_dict(data, source="<built-in>")
        return _BUILTIN
    return Catalog.from_dict(read_catalog_document(path), source=str(path))
