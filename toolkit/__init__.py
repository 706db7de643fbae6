"""Budget toolkit: catalogue -> template -> read -> validate -> roll-up -> report.

The public API is imported lazily so that ``budget-toolkit --help`` and small runs start
fast: pandas and the spreadsheet libraries load only when a stage needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "Catalog": "toolkit.catalog",
    "CatalogError": "toolkit.catalog",
    "Entry": "toolkit.catalog",
    "load_catalog": "toolkit.catalog",
    "validate_catalog": "toolkit.catalog",
    "Submission": "toolkit.read",
    "read_submission": "toolkit.read",
    "check": "toolkit.rules",
    "CheckResult": "toolkit.result",
    "FileResult": "toolkit.result",
    "import_catalog": "toolkit.catalog_io",
    "export_catalog": "toolkit.catalog_io",
    "Issue": "toolkit.issues",
    "Rule": "toolkit.issues",
    "Severity": "toolkit.issues",
    "Limits": "toolkit.preflight",
    "write_template": "toolkit.template",
    "write_templates": "toolkit.template",
    "rollup": "toolkit.rollup",
    "reconcile": "toolkit.rollup",
    "summarize": "toolkit.rollup",
    "Reconciliation": "toolkit.rollup",
    "RollupSummary": "toolkit.rollup",
    "write_report": "toolkit.report",
    "write_csv": "toolkit.report",
    "write_json": "toolkit.report",
    "report_json": "toolkit.report",
    "make_samples": "toolkit.demo",
    "run_demo": "toolkit.demo",
}

__all__ = [
    "Catalog",
    "CatalogError",
    "CheckResult",
    "Entry",
    "FileResult",
    "Issue",
    "Limits",
    "Reconciliation",
    "RollupSummary",
    "Rule",
    "Severity",
    "Submission",
    "__version__",
    "check",
    "export_catalog",
    "import_catalog",
    "load_catalog",
    "make_samples",
    "read_submission",
    "reconcile",
    "report_json",
    "rollup",
    "run_demo",
    "summarize",
    "validate_catalog",
    "write_csv",
    "write_json",
    "write_report",
    "write_template",
    "write_templates",
]

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.catalog import Catalog, CatalogError, Entry, load_catalog, validate_catalog
    from toolkit.catalog_io import export_catalog, import_catalog
    from toolkit.demo import make_samples, run_demo
    from toolkit.issues import Issue, Rule, Severity
    from toolkit.preflight import Limits
    from toolkit.read import Submission, read_submission
    from toolkit.report import report_json, write_csv, write_json, write_report
    from toolkit.result import CheckResult, FileResult
    from toolkit.rollup import Reconciliation, RollupSummary, reconcile, rollup, summarize
    from toolkit.rules import check
    from toolkit.template import write_template, write_templates


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
