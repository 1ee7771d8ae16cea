#!/usr/bin/env bash
# Runs the whole suite on SQLite, then on PostgreSQL when a server answers (CIVIC_TEST_POSTGRES_URL, or
# 127.0.0.1:5432 as user postgres). Under CI (CI=true) PostgreSQL is required. Extra arguments go to pytest.
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export CIVIC_TEST_POSTGRES_URL="${CIVIC_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}"
in_ci=false
case "${CI:-}" in 1|true|TRUE|yes) in_ci=true ;; esac
workers="${CIVIC_TEST_WORKERS:-2}"
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT

run_suite() {  # $1 = backend
  echo
  echo "================ Civic test suite on $1 ================"
  CIVIC_TEST_DB="$1" $PY -m pytest -n "$workers" --junitxml="$reports/$1.xml" "${@:2}"
}

postgres_answers() {
  $PY - <<'PYEOF' 2>/dev/null
import os, sys
import psycopg
url = os.environ["CIVIC_TEST_POSTGRES_URL"].replace("postgresql+psycopg://", "postgresql://")
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception:
    sys.exit(1)
PYEOF
}

status=0
run_suite sqlite "$@" || status=1

if postgres_answers; then
  run_suite postgresql "$@" || status=1
  ran_pg=yes
else
  ran_pg=no
  echo
  if $in_ci; then
    echo "PostgreSQL did not answer at $CIVIC_TEST_POSTGRES_URL: CI requires it. FAILED."
    status=1
  else
    echo "PostgreSQL did not answer at $CIVIC_TEST_POSTGRES_URL, so the suite ran on SQLite only."
    echo "To test on PostgreSQL too, start a server there or set CIVIC_TEST_POSTGRES_URL."
  fi
fi

$PY - "$reports" "$ran_pg" <<'PYEOF'
import sys, pathlib, xml.etree.ElementTree as ET
folder, ran_pg = pathlib.Path(sys.argv[1]), sys.argv[2]
# One outcome per test case (the suite's own totals count a test twice when its teardown also fails).
totals = {"passed": 0, "failed": 0, "skipped": 0}
for report in sorted(folder.glob("*.xml")):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for case in ET.parse(report).getroot().iter("testcase"):
        tags = {child.tag for child in case}
        outcome = "failed" if tags & {"failure", "error"} else "skipped" if "skipped" in tags else "passed"
        counts[outcome] += 1
    for k in totals:
        totals[k] += counts[k]
    print(f"{report.stem}: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
print("databases exercised: sqlite" + (", postgresql" if ran_pg == "yes" else " (postgresql skipped)"))
print(f"total: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
PYEOF
exit $status
