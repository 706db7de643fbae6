"""Budget toolkit: catalogue -> template -> read -> validate -> roll-up -> report.

The public API is imported lazily so that ``budget-toolkit --help`` and small runs start
fast: pandas and the spreadsheet libraries load only when a stage needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "Catalog": "toolkit.catalog.model",
    "CatalogError": "toolkit.catalog.model",
    "Entry": "toolkit.catalog.model",
    "load_catalog": "toolkit.catalog.load",
    "validate_catalog": "toolkit.catalog.model",
    "Submission": "toolkit.read.submission",
    "read_submission": "toolkit.read.submission",
    "check": "toolkit.rules.batch",
    "CheckResult": "toolkit.rules.result",
    "FileResult": "toolkit.rules.result",
    "import_catalog": "toolkit.catalog.io",
    "export_catalog": "toolkit.catalog.io",
    "Issue": "toolkit.issues",
    "Rule": "toolkit.rules.registry",
    "Severity": "toolkit.issues",
    "Limits": "toolkit.xlsx.limits",
    "write_template": "toolkit.template.writer",
    "write_templates": "toolkit.template.writer",
    "rollup": "toolkit.totals.rollup",
    "reconcile": "toolkit.totals.reconcile",
    "summarize": "toolkit.totals.rollup",
    "Reconciliation": "toolkit.totals.reconcile",
    "RollupSummary": "toolkit.totals.rollup",
    "write_report": "toolkit.output.report_xlsx",
    "write_csv": "toolkit.output.report",
    "write_json": "toolkit.output.report",
    "report_json": "toolkit.output.report",
    "files_json": "toolkit.output.render",
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
    "files_json",
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
    from toolkit.catalog.io import export_catalog, import_catalog
    from toolkit.demo import make_samples, run_demo
    from toolkit.issues import Issue, Severity
    from toolkit.output.render import files_json
    from toolkit.output.report import report_json, write_csv, write_json
    from toolkit.output.report_xlsx import write_report
    from toolkit.read.submission import Submission, read_submission
    from toolkit.rules.batch import check
    from toolkit.rules.registry import Rule
    from toolkit.rules.result import CheckResult, FileResult
    from toolkit.template import write_template, write_templates
    from toolkit.totals.reconcile import Reconciliation, reconcile
    from toolkit.totals.rollup import RollupSummary, rollup, summarize
    from toolkit.xlsx.limits import Limits


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
