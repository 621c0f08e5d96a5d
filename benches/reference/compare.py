#!/usr/bin/env python3
"""Compare a reference pipeline's shifts Parquet with adhere's shifts.parquet.

    python compare.py ADHERE_SHIFTS.parquet REFERENCE.parquet

Shifts are matched on (agent, shift_start). Prints, per metric, the share of adhere's
shifts on which the reference agrees (seconds within 1 ms, percentages within 0.1 points,
flags equal, nulls equal), and a few example disagreements.
"""
import sys

import polars as pl

SECONDS = ["scheduled_seconds", "in_adherence_seconds", "out_of_adherence_seconds",
           "unknown_seconds", "productive_scheduled_seconds", "productive_actual_seconds",
           "late_seconds", "early_logout_seconds", "logged_in_seconds"]
PCTS = ["adherence_pct", "adjusted_adherence_pct", "conformance_pct"]
EXACT = ["exception_count", "is_late", "is_early_logout", "no_show", "shift_end", "shift_date",
         "team", "timezone", "agent_id", "employee_id", "login_name", "first_login", "last_logout"]


def main():
    a = pl.read_parquet(sys.argv[1])
    b = pl.read_parquet(sys.argv[2])
    b = b.with_columns(pl.col("shift_start").cast(a.schema["shift_start"]))
    j = a.join(b, on=["agent", "shift_start"], how="left", suffix="_ref", coalesce=True)
    n = a.height
    matched = j["scheduled_seconds_ref"].is_not_null().sum()
    print(f"adhere shifts: {n}; reference shifts: {b.height}; matched on (agent, shift_start): "
          f"{matched} ({100 * matched / n:.2f}%)")
    rows = []
    for c in SECONDS + PCTS + EXACT:
        if c not in b.columns:
            continue
        x, y = pl.col(c), pl.col(c + "_ref")
        if c in SECONDS:
            ok = (x - y).abs() < 0.0015
        elif c in PCTS:
            ok = (x - y).abs() < 0.1
        else:
            if j.schema[c] != j.schema[c + "_ref"]:
                y = y.cast(j.schema[c])
            ok = x == y
        ok = pl.when(x.is_null() & y.is_null()).then(True).otherwise(ok.fill_null(False))
        agree = j.select(ok.sum()).item()
        rows.append((c, agree, 100 * agree / n))
        if agree < n and "-v" in sys.argv:
            print(j.filter(~ok).select("agent", "shift_start", c, c + "_ref").head(5))
    width = max(len(r[0]) for r in rows)
    for c, agree, pct in rows:
        print(f"  {c:<{width}}  {agree:>7} / {n}  {pct:7.3f}%")


if __name__ == "__main__":
    main()
