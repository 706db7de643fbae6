#!/usr/bin/env bash
# The test suite, on SQLite and on a private throwaway PostgreSQL cluster, with every real
# part required: a missing LibreOffice, PostgreSQL or Chromium fails the run instead of
# skipping its tests. Arguments go to pytest (`scripts/run_tests.sh tests/store -q`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

export BT_PG_STATE="${TMPDIR:-/tmp}/budget-toolkit-test-$$.pg-state"
trap 'scripts/ci_postgres.sh stop' EXIT
BUDGET_TOOLKIT_TEST_PG=$(scripts/ci_postgres.sh start)
export BUDGET_TOOLKIT_TEST_PG BUDGET_TOOLKIT_REQUIRE_PG=1 BUDGET_TOOLKIT_REQUIRE_BROWSER=1 \
    BUDGET_TOOLKIT_REQUIRE_SOFFICE=1
fc-list :lang=zh | head -1 >&2

"$PY" -m pytest "$@"
