"""The batch the report tests (workbook, CSV, JSON) write out: ``report_sample``."""

from __future__ import annotations

import pytest
from totals_helpers import REPORT_UNITS, report_sample

from toolkit.catalog import Catalog
from toolkit.rules.result import CheckResult
from toolkit.totals.rollup import RollupSummary, summarize


@pytest.fixture
def result(catalog: Catalog) -> CheckResult:
    return report_sample(catalog)


@pytest.fixture
def summary(result: CheckResult) -> RollupSummary:
    return summarize(result, units=REPORT_UNITS)
