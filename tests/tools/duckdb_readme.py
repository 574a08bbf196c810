"""Runs every statement of the README's DuckDB block (the ```sql block after the `duckdb-queries`
marker) with the PyPI duckdb package on a given events.jsonl, and prints each SELECT's columns and
rows as JSON lines, for tests/e2e/duckdb.rs.

    python duckdb_readme.py README.md RUN_DIR/events.jsonl
"""

import json
import re
import sys

import duckdb


def main():
    readme, log = sys.argv[1], sys.argv[2]
    text = open(readme).read()
    marker = text.index("<!-- duckdb-queries")
    block = re.search(r"```sql\n(.*?)```", text[marker:], re.S).group(1)
    # The README's example path becomes the run under test.
    paths = set(re.findall(r"'(runs/[^']+/events\.jsonl)'", block))
    if len(paths) != 1:
        raise SystemExit(f"expected one example log path in the README block, found {paths}")
    block = block.replace(paths.pop(), log)
    statements = [s.strip() for s in block.split(";\n") if s.strip()]
    con = duckdb.connect()
    for s in statements:
        sql = "\n".join(l for l in s.splitlines() if not l.lstrip().startswith("--")).strip().rstrip(";")
        rel = con.sql(sql)
        if rel is None:
            continue
        rows = [[v if isinstance(v, (int, float, str, bool, type(None))) else str(v) for v in r] for r in rel.fetchall()]
        print(json.dumps({"sql": sql.split("\n")[0], "columns": rel.columns, "rows": rows}))


if __name__ == "__main__":
    main()
