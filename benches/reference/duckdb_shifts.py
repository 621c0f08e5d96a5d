#!/usr/bin/env python3
"""Per-shift adherence metrics from LivePerson Agent Activity v2 pages, in DuckDB SQL.

A reference pipeline for benchmarking adhere (see README.md beside this file): it computes
the `shifts` view of `adhere report` (SPEC.md §3-§4) with DuckDB's own JSON and CSV readers
and SQL, Python only gluing the statements together and reading the rules TOML.

    python duckdb_shifts.py --activity DIR --schedule FILE --rules FILE --out FILE.parquet

All instants are carried as epoch milliseconds (BIGINT) from parsing to the output.
"""
import os
import sys
import time

import duckdb

from common import (parse_args, AWAY, BASE_TOKENS, DAY_MS, FIXED_RE, LOGGED_OUT, OCCUPIED, OFFLINE, ONLINE,
                    UNKNOWN, activity_files, load_rules, log, parse_duration_ms, schedule_columns,
                    token_allowed)


def q(ident):
    return '"' + ident.replace('"', '""') + '"'


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def main():
    args = parse_args(__doc__.splitlines()[0], None)

    rules = load_rules(args.rules)
    gap_ms = parse_duration_ms(args.shift_gap)
    files = activity_files(args.activity)

    con = duckdb.connect()
    if os.environ.get("REF_TRACE"):  # log every statement's time
        raw_execute = con.execute

        class Traced:
            def __getattr__(self, name):
                return getattr(con_, name)

            def execute(self, sql, *a):
                t = time.perf_counter()
                r = raw_execute(sql, *a)
                head = " ".join(sql.split())[:70]
                log(f"  {time.perf_counter() - t:6.3f}s  {head}")
                return r
        con_ = con
        con = Traced()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'UTC'")
    if args.threads:
        con.execute(f"SET threads = {args.threads}")

    # ---------------------------------------------------------------- activity pages
    # Every field is read as text: numbers arrive as strings or numbers, and junk must be
    # counted, not fail the scan. records=true skips the per-file shape detection.
    rec_type = ("STRUCT(agentId VARCHAR, employeeId VARCHAR, agentLoginName VARCHAR, "
                "agentGroupId VARCHAR, \"time\" VARCHAR, sessionId VARCHAR, sequenceNumber VARCHAR, "
                "statusType VARCHAR, statusSubType VARCHAR, statusReasonText VARCHAR)[]")
    tf_type = "STRUCT(startTime VARCHAR, endTime VARCHAR, startTimeL VARCHAR, endTimeL VARCHAR)"
    con.execute("CREATE TEMP TABLE files AS SELECT * FROM (SELECT unnest($1) AS filename, "
                "generate_subscripts($1, 1) AS file_no)", [files])
    # One scan: each record in input order (file order, then position in the page) with its
    # page's timeframe. An empty page still yields one (null) row, to keep its timeframe.
    con.execute(f"""
        CREATE TEMP TABLE parsed AS
        WITH p AS (
          SELECT f.file_no,
                 coalesce(TRY_CAST(p.timeframe.startTimeL AS BIGINT),
                          epoch_ms(TRY_CAST(p.timeframe.startTime AS TIMESTAMPTZ))) AS tf_s,
                 coalesce(TRY_CAST(p.timeframe.endTimeL AS BIGINT),
                          epoch_ms(TRY_CAST(p.timeframe.endTime AS TIMESTAMPTZ))) AS tf_e,
                 CASE WHEN len(p.stateChanges) > 0 THEN p.stateChanges
                      ELSE [NULL]::{rec_type} END AS sc
          FROM read_json([{', '.join(sql_str(f) for f in files)}], filename = true,
                         format = 'unstructured', records = true,
                         columns = {{'timeframe': '{tf_type}', 'stateChanges': '{rec_type}'}}) p
          JOIN files f USING (filename)),
        u AS (SELECT file_no, tf_s, tf_e, generate_subscripts(sc, 1) AS idx, unnest(sc) AS r FROM p)
        SELECT file_no::BIGINT * 1048576 + idx AS ord, tf_s, tf_e, r IS NULL AS empty_page,
               TRY_CAST(r.agentId AS BIGINT) AS agent_id,
               CASE WHEN r."time" NOT LIKE '%-%' THEN TRY_CAST(r."time" AS BIGINT)  -- epoch ms
                    ELSE epoch_ms(TRY_CAST(r."time" AS TIMESTAMPTZ)) END AS t,
               TRY_CAST(r.statusType AS BIGINT) AS stype,
               TRY_CAST(r.statusSubType AS BIGINT) AS sub,
               TRY_CAST(r.sequenceNumber AS BIGINT) AS seq,
               TRY_CAST(r.sessionId AS BIGINT) AS session_id,
               nullif(trim(r.employeeId), '') AS employee_id,
               nullif(trim(r.agentLoginName), '') AS login_name,
               nullif(trim(r.agentGroupId), '') AS group_id,
               nullif(trim(r.statusReasonText), '') AS reason
        FROM u""")
    log("pages read")
    n_raw, n_noid = con.execute(
        "SELECT count(*), count(*) FILTER (agent_id IS NULL OR t IS NULL) FROM parsed "
        "WHERE NOT empty_page").fetchone()

    # Coverage: the union of the pages' timeframes (…L field when an integer, else RFC 3339).
    con.execute("""
        CREATE TEMP TABLE tf AS
        SELECT DISTINCT tf_s AS s, tf_e AS e FROM parsed WHERE tf_e > tf_s""")
    if con.execute("SELECT count(*) FROM tf").fetchone()[0] == 0:
        # no timeframe anywhere: [first record, last record)
        con.execute("INSERT INTO tf SELECT min(t), max(t) FROM parsed WHERE agent_id IS NOT NULL")
    con.execute("""
        CREATE TEMP TABLE coverage AS
        SELECT min(s) AS s, max(e) AS e FROM (
          SELECT s, e, sum(CASE WHEN s > prev_e THEN 1 ELSE 0 END) OVER (ORDER BY s, e) AS island
          FROM (SELECT s, e, max(e) OVER (ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING
                                           AND 1 PRECEDING) AS prev_e FROM tf))
        GROUP BY island""")

    # Identity per LivePerson agent: latest non-empty values, and every id seen (matching).
    con.execute("""
        CREATE TEMP TABLE ident AS
        SELECT agent_id,
               arg_max(employee_id, t) FILTER (employee_id IS NOT NULL) AS employee_id,
               arg_max(login_name, t) FILTER (login_name IS NOT NULL) AS login_name,
               arg_max(group_id, t) FILTER (group_id IS NOT NULL) AS group_id
        FROM parsed WHERE agent_id IS NOT NULL AND t IS NOT NULL GROUP BY agent_id""")
    con.execute("""
        CREATE TEMP TABLE seen_ids AS
        SELECT DISTINCT agent_id, employee_id, lower(login_name) AS login_lower
        FROM parsed WHERE agent_id IS NOT NULL AND t IS NOT NULL""")

    # State tokens: fixed ids, then one per distinct away reason (compared ignoring case).
    reasons = [r for (r,) in con.execute(
        "SELECT DISTINCT lower(reason) FROM parsed WHERE sub = 4 AND reason IS NOT NULL "
        "ORDER BY 1").fetchall()]
    tokens = dict(BASE_TOKENS)
    for r in reasons:
        tokens["away:" + r] = len(tokens)
    con.execute("CREATE TEMP TABLE reason_tok(reason_lower VARCHAR, tok INTEGER)")
    if reasons:
        con.executemany("INSERT INTO reason_tok VALUES (?, ?)",
                        [(r, tokens["away:" + r]) for r in reasons])

    # Dedupe (first occurrence of the key; NULL is its own value), then drop junk types.
    con.execute(f"""
        CREATE TEMP TABLE recs AS
        WITH d AS (
          SELECT agent_id, t, stype, sub, seq, min(ord) AS ord, arg_min(reason, ord) AS reason
          FROM parsed
          WHERE agent_id IS NOT NULL AND t IS NOT NULL
          GROUP BY agent_id, t, stype, sub, seq, session_id)
        SELECT d.agent_id, d.t, d.stype, d.seq, d.ord,
               CASE d.stype WHEN 3 THEN {UNKNOWN} WHEN 4 THEN {LOGGED_OUT}
                    ELSE CASE d.sub WHEN 1 THEN {OFFLINE} WHEN 2 THEN {ONLINE} WHEN 3 THEN {OCCUPIED}
                                    ELSE coalesce(rt.tok, {AWAY}) END END AS tok
        FROM d LEFT JOIN reason_tok rt ON d.sub = 4 AND rt.reason_lower = lower(d.reason)
        WHERE d.stype IN (3, 4) OR (d.stype = 1 AND d.sub BETWEEN 1 AND 4)""")
    con.execute("DROP TABLE parsed")
    n_recs = con.execute("SELECT count(*) FROM recs").fetchone()[0]
    log(f"{n_raw} records, {n_noid} without agentId or time; {n_recs} kept after dedupe and junk")

    # ---------------------------------------------------------------- rules
    con.execute("CREATE TEMP TABLE acts(act INTEGER, name_lower VARCHAR, counted BOOLEAN, "
                "productive BOOLEAN, allows_lo BOOLEAN)")
    con.executemany("INSERT INTO acts VALUES (?, ?, ?, ?, ?)",
                    [(i, n, c, p, "logged_out" in al) for i, n, al, p, c in rules["activities"]])
    con.execute("CREATE TEMP TABLE allowed(act INTEGER, tok INTEGER)")
    pairs = [(i, tid) for i, _, al, _, _ in rules["activities"]
             for tname, tid in tokens.items() if tname != "unknown" and token_allowed(tname, al)]
    if pairs:
        con.executemany("INSERT INTO allowed VALUES (?, ?)", pairs)
    prod_toks = [tid for tname, tid in tokens.items()
                 if tname != "unknown" and token_allowed(tname, rules["productive_states"])]
    prod_list = ", ".join(map(str, prod_toks)) or "NULL"

    # ---------------------------------------------------------------- schedule
    c = schedule_columns(args.schedule)
    col = lambda k: f"nullif(trim({q(c[k])}), '')" if c[k] else "NULL"
    con.execute(f"""
        CREATE TEMP TABLE sched_csv AS
        SELECT {col('agent')} AS agent, {col('activity')} AS activity, {col('start')} AS start_s,
               {col('end')} AS end_s, {col('length_minutes')} AS len_min,
               coalesce({col('timezone')}, {sql_str(args.tz)}) AS tz,
               {col('shift_id')} AS shift_id, {col('team')} AS team
        FROM read_csv({sql_str(args.schedule)}, header = true, all_varchar = true)""")
    # rowid is the file order (insertion order is preserved)
    fixed_re = FIXED_RE
    local_fmts = "['%Y-%m-%d %H:%M', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M', '%Y-%m-%dT%H:%M:%S']"
    con.execute(f"""
        CREATE TEMP TABLE sched_p AS
        WITH z AS (
          SELECT rowid AS line, *,
                 upper(tz) IN ('UTC', 'GMT', 'Z') OR regexp_matches(tz, '{fixed_re}') AS is_fixed,
                 CASE WHEN upper(tz) IN ('UTC', 'GMT', 'Z') THEN 0
                      WHEN regexp_matches(tz, '{fixed_re}') THEN
                        (CASE regexp_extract(tz, '{fixed_re}', 1) WHEN '-' THEN -1 ELSE 1 END) *
                        (TRY_CAST(regexp_extract(tz, '{fixed_re}', 2) AS BIGINT) * 3600000 +
                         coalesce(TRY_CAST(nullif(regexp_extract(tz, '{fixed_re}', 3), '') AS BIGINT), 0) * 60000)
                 END AS off_ms
          FROM sched_csv WHERE agent IS NOT NULL OR activity IS NOT NULL OR start_s IS NOT NULL),
        t AS (
          SELECT *,
                 regexp_matches(start_s, '(Z|[+-]\\d\\d(:?\\d\\d)?)$') AS start_abs,
                 TRY_STRPTIME(start_s, {local_fmts}) AS start_local,
                 regexp_matches(end_s, '(Z|[+-]\\d\\d(:?\\d\\d)?)$') AS end_abs,
                 TRY_STRPTIME(end_s, {local_fmts}) AS end_local
          FROM z)
        SELECT line, agent, activity, tz, shift_id, team, len_min,
               CASE WHEN start_abs THEN epoch_ms(TRY_CAST(start_s AS TIMESTAMPTZ))
                    WHEN is_fixed THEN epoch_ms(start_local) - off_ms
                    ELSE epoch_ms(timezone(tz, start_local)) END AS s,
               CASE WHEN end_abs THEN epoch_ms(TRY_CAST(end_s AS TIMESTAMPTZ))
                    WHEN end_local IS NOT NULL AND is_fixed THEN epoch_ms(end_local) - off_ms
                    WHEN end_local IS NOT NULL THEN epoch_ms(timezone(tz, end_local))
                    END AS e_given,
               -- local date of the start, in the row's zone
               CASE WHEN NOT start_abs THEN start_local::DATE
                    WHEN is_fixed THEN make_timestamp((epoch_ms(TRY_CAST(start_s AS TIMESTAMPTZ)) + off_ms) * 1000)::DATE
                    ELSE timezone(tz, TRY_CAST(start_s AS TIMESTAMPTZ))::DATE END AS local_date
        FROM t""")
    con.execute("""
        CREATE TEMP TABLE sched AS
        SELECT p.line, p.agent, p.tz, p.shift_id, p.team, p.activity, p.s, p.local_date,
               coalesce(p.e_given, p.s + round(TRY_CAST(p.len_min AS DOUBLE) * 60000)::BIGINT) AS e,
               a.act
        FROM sched_p p LEFT JOIN acts a ON a.name_lower = lower(p.activity)""")
    bad = con.execute("SELECT line + 2, agent, activity FROM sched WHERE agent IS NULL OR s IS NULL "
                      "OR e IS NULL OR e <= s LIMIT 5").fetchall()
    if bad:
        sys.exit(f"{args.schedule}: invalid rows (line, agent, activity): {bad}")
    unknown = [r for (r,) in con.execute(
        "SELECT DISTINCT activity FROM sched WHERE act IS NULL ORDER BY 1").fetchall()]
    if unknown:
        sys.exit("activities with no rule: " + ", ".join(unknown))

    # Schedule keys matched to LivePerson agents: employeeId, else login (ignoring case),
    # else agentId; several matches -> the smallest agentId.
    con.execute("""
        CREATE TEMP TABLE keys AS
        WITH k AS (SELECT agent, dense_rank() OVER (ORDER BY agent) AS key_id
                   FROM (SELECT DISTINCT agent FROM sched)),
        by_emp AS (SELECT k.key_id, min(i.agent_id) AS aid FROM k JOIN seen_ids i
                   ON i.employee_id = k.agent GROUP BY k.key_id),
        by_login AS (SELECT k.key_id, min(i.agent_id) AS aid FROM k JOIN seen_ids i
                     ON i.login_lower = lower(k.agent) GROUP BY k.key_id),
        by_id AS (SELECT k.key_id, i.agent_id AS aid FROM k JOIN ident i
                  ON i.agent_id = TRY_CAST(k.agent AS BIGINT))
        SELECT k.key_id, k.agent, coalesce(e.aid, l.aid, d.aid) AS agent_id
        FROM k LEFT JOIN by_emp e USING (key_id) LEFT JOIN by_login l USING (key_id)
               LEFT JOIN by_id d USING (key_id)""")
    n_unmatched = con.execute("SELECT count(*) FROM keys WHERE agent_id IS NULL").fetchone()[0]
    log(f"schedule: {con.execute('SELECT count(*) FROM sched').fetchone()[0]} rows, "
        f"{con.execute('SELECT count(*) FROM keys').fetchone()[0]} agents ({n_unmatched} unmatched)")

    # Shifts: rows sharing a shift_id; rows without one, in start order, start a new shift
    # when they begin at least shift-gap after the latest end so far.
    con.execute(f"""
        CREATE TEMP TABLE srows AS
        WITH r AS (SELECT k.key_id, s.* FROM sched s JOIN keys k USING (agent)),
        g AS (SELECT *, max(e) OVER (PARTITION BY key_id ORDER BY s, line
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_max_e
              FROM r WHERE shift_id IS NULL),
        n AS (SELECT *, sum(CASE WHEN prev_max_e IS NULL OR s >= prev_max_e + {gap_ms} THEN 1 ELSE 0 END)
                        OVER (PARTITION BY key_id ORDER BY s, line) AS shift_no
              FROM g)
        SELECT key_id, line, act, s, e, tz, team, local_date, 'g' || shift_no AS shift_key FROM n
        UNION ALL
        SELECT key_id, line, act, s, e, tz, team, local_date, 'i' || shift_id FROM r
        WHERE shift_id IS NOT NULL""")
    con.execute("""
        CREATE TEMP TABLE srows2 AS
        SELECT *, dense_rank() OVER (ORDER BY key_id, shift_key) AS gid,
               row_number() OVER (PARTITION BY key_id ORDER BY s, line) AS prec
        FROM srows""")

    # Overlay: elementary segments between an agent's row boundaries; the row with the
    # latest start (then the later line) that covers a segment applies there. Rows are
    # bucketed by UTC day so the range join stays small.
    con.execute(f"""
        CREATE TEMP TABLE segs AS
        WITH b AS (SELECT DISTINCT key_id, b FROM (SELECT key_id, s AS b FROM srows2
                                                   UNION ALL SELECT key_id, e FROM srows2)),
        sg AS (SELECT key_id, b, lead(b) OVER (PARTITION BY key_id ORDER BY b) AS nb FROM b),
        rd AS (SELECT key_id, s, e, prec, gid, act,
                      unnest(range(s // {DAY_MS}, (e - 1) // {DAY_MS} + 1)) AS day FROM srows2),
        pick AS (SELECT sg.key_id, sg.b, arg_max(rd.gid, rd.prec) AS gid, arg_max(rd.act, rd.prec) AS act
                 FROM sg JOIN rd ON rd.key_id = sg.key_id AND rd.day = sg.b // {DAY_MS}
                                AND rd.s <= sg.b AND rd.e >= sg.nb
                 WHERE sg.nb IS NOT NULL
                 GROUP BY sg.key_id, sg.b)
        SELECT sg.key_id, sg.b, sg.nb, pick.gid, pick.act
        FROM sg LEFT JOIN pick USING (key_id, b)""")

    # Reported shifts: those with counted time. R/E: first/last counted time whose
    # activity does not allow logged_out.
    con.execute("""
        CREATE TEMP TABLE shifts AS
        WITH c AS (
          SELECT sg.gid, min(sg.key_id) AS key_id, min(sg.b) AS shift_start, max(sg.nb) AS shift_end,
                 min(sg.b) FILTER (NOT a.allows_lo) AS r, max(sg.nb) FILTER (NOT a.allows_lo) AS e
          FROM segs sg JOIN acts a USING (act) WHERE a.counted GROUP BY sg.gid),
        m AS (
          SELECT gid, arg_min(local_date, prec) AS shift_date, arg_min(tz, prec) AS timezone,
                 arg_min(team, prec) FILTER (team IS NOT NULL) AS team
          FROM srows2 GROUP BY gid)
        SELECT c.*, m.shift_date, m.timezone, m.team,
               lag(c.shift_end) OVER w AS prev_end, lead(c.shift_start) OVER w AS next_start
        FROM c JOIN m USING (gid)
        WINDOW w AS (PARTITION BY c.key_id ORDER BY c.shift_start, c.gid)""")
    con.execute("""
        ALTER TABLE shifts ADD COLUMN ws BIGINT; ALTER TABLE shifts ADD COLUMN we BIGINT;
        UPDATE shifts SET
          ws = CASE WHEN prev_end IS NULL THEN shift_start - 3600000
                    ELSE greatest(shift_start - 3600000, (prev_end + shift_start) // 2) END,
          we = CASE WHEN next_start IS NULL THEN shift_end + 3600000
                    ELSE least(shift_end + 3600000, (shift_end + next_start) // 2) END""")
    log(f"{con.execute('SELECT count(*) FROM shifts').fetchone()[0]} shifts")

    # ---------------------------------------------------------------- timeline
    # One event stream per schedule agent: state records, segment starts (activity and
    # shift), coverage bounds, shift spans and conformance windows. Forward-filling each
    # column gives, for every piece between consecutive events, everything at once.
    # prio orders events at one instant: ends before starts, state records last.
    con.execute(f"""
        CREATE TEMP TABLE init AS
        SELECT k.key_id,
               CASE WHEN f.first_type IS NULL OR f.first_type = 3 THEN {LOGGED_OUT}
                    ELSE {UNKNOWN} END AS init_tok
        FROM keys k LEFT JOIN (
          SELECT agent_id, first(stype ORDER BY t, seq NULLS FIRST, ord) AS first_type
          FROM recs GROUP BY agent_id) f USING (agent_id)""")
    con.execute("""
        CREATE TEMP TABLE events AS
        SELECT k.key_id, r.t, 3 AS prio, r.seq, r.ord, r.tok,
               NULL::INTEGER AS act, NULL::BIGINT AS sgid, NULL::BOOLEAN AS cov,
               NULL::BIGINT AS span, NULL::BIGINT AS win
        FROM recs r JOIN keys k USING (agent_id)
        UNION ALL
        SELECT key_id, b, 2, NULL, NULL, NULL, coalesce(act, -1), coalesce(gid, -1), NULL, NULL, NULL
        FROM segs
        UNION ALL
        SELECT k.key_id, x.t, x.prio, NULL, NULL, NULL, NULL, NULL, x.cov, NULL, NULL
        FROM keys k, (SELECT s AS t, 1 AS prio, true AS cov FROM coverage
                      UNION ALL SELECT e, 0, false FROM coverage) x
        UNION ALL
        SELECT key_id, shift_start, 1, NULL, NULL, NULL, NULL, NULL, NULL, gid, NULL FROM shifts
        UNION ALL
        SELECT key_id, shift_end, 0, NULL, NULL, NULL, NULL, NULL, NULL, -1, NULL FROM shifts
        UNION ALL
        SELECT key_id, ws, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, gid FROM shifts
        UNION ALL
        SELECT key_id, we, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1 FROM shifts""")
    log(f"{con.execute('SELECT count(*) FROM events').fetchone()[0]} timeline events")
    con.execute(f"""
        CREATE TEMP TABLE pieces AS
        WITH f AS (
          SELECT key_id, t,
                 lead(t) OVER w - t AS dur,
                 last_value(tok IGNORE NULLS) OVER w AS tok,
                 last_value(act IGNORE NULLS) OVER w AS act,
                 last_value(sgid IGNORE NULLS) OVER w AS sgid,
                 last_value(cov IGNORE NULLS) OVER w AS cov,
                 last_value(span IGNORE NULLS) OVER w AS span,
                 last_value(win IGNORE NULLS) OVER w AS win
          FROM events
          WINDOW w AS (PARTITION BY key_id ORDER BY t, prio, seq NULLS FIRST, ord
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
        SELECT f.key_id, f.t, f.dur, f.act, f.sgid, f.span, f.win,
               CASE WHEN coalesce(f.cov, false) THEN coalesce(f.tok, i.init_tok) ELSE {UNKNOWN} END AS tok
        FROM f JOIN init i USING (key_id)
        WHERE f.dur > 0""")
    con.execute("DROP TABLE events")
    log("timeline built")

    # Verdict per piece of counted time; exception runs are maximal runs of consecutive
    # out-of-adherence pieces of one shift.
    con.execute(f"""
        CREATE TEMP TABLE judged AS
        SELECT p.key_id, p.t, p.dur, p.tok, p.sgid,
               coalesce(a.counted, false) AS counted, coalesce(a.productive, false) AS productive,
               coalesce(NOT a.allows_lo, false) AS needs_login,
               p.tok <> {UNKNOWN} AND al.act IS NOT NULL AS is_in,
               coalesce(a.counted, false) AND p.tok <> {UNKNOWN} AND al.act IS NULL AS is_out
        FROM pieces p
        LEFT JOIN acts a ON a.act = p.act
        LEFT JOIN allowed al ON al.act = p.act AND al.tok = p.tok""")
    con.execute("""
        CREATE TEMP TABLE runs AS
        SELECT sgid, sum(dur) AS len FROM (
          SELECT *, sum(CASE WHEN is_out THEN 0 ELSE 1 END)
                      OVER (PARTITION BY key_id ORDER BY t) AS grp
          FROM judged) WHERE is_out GROUP BY key_id, sgid, grp""")
    con.execute(f"""
        CREATE TEMP TABLE metrics AS
        WITH adh AS (
          SELECT sgid AS gid,
                 sum(dur) FILTER (counted) AS sched_ms,
                 sum(dur) FILTER (counted AND is_in) AS in_ms,
                 sum(dur) FILTER (is_out) AS out_ms,
                 sum(dur) FILTER (counted AND tok = {UNKNOWN}) AS unk_ms,
                 sum(dur) FILTER (counted AND productive) AS prod_sched_ms,
                 arg_min(tok, t) FILTER (counted AND needs_login) AS tok_r,
                 arg_max(tok, t) FILTER (counted AND needs_login) AS tok_e
          FROM judged WHERE sgid >= 0 GROUP BY sgid),
        exc AS (
          SELECT sgid AS gid, count(*) FILTER (len >= {rules['min_exception_ms']}) AS exception_count,
                 coalesce(sum(len) FILTER (len < {rules['min_exception_ms']}), 0) AS forgiven_ms
          FROM runs GROUP BY sgid),
        li AS (SELECT span AS gid, sum(dur) AS logged_in_ms FROM pieces
               WHERE span >= 0 AND tok NOT IN ({UNKNOWN}, {LOGGED_OUT}) GROUP BY span),
        pa AS (SELECT win AS gid, sum(dur) AS prod_actual_ms FROM pieces
               WHERE win >= 0 AND tok IN ({prod_list}) GROUP BY win)
        SELECT s.*, adh.* EXCLUDE (gid),
               coalesce(exc.exception_count, 0) AS exception_count,
               coalesce(exc.forgiven_ms, 0) AS forgiven_ms,
               coalesce(li.logged_in_ms, 0) AS logged_in_ms,
               coalesce(pa.prod_actual_ms, 0) AS prod_actual_ms
        FROM shifts s JOIN adh USING (gid) LEFT JOIN exc USING (gid)
             LEFT JOIN li USING (gid) LEFT JOIN pa USING (gid)""")
    log("metrics aggregated")

    # Late / early logout / first login / last logout from the login (3) and logout (4)
    # records, via as-of joins.
    con.execute("CREATE TEMP TABLE logins AS SELECT agent_id, t FROM recs WHERE stype = 3")
    con.execute("CREATE TEMP TABLE logouts AS SELECT agent_id, t FROM recs WHERE stype = 4")
    con.execute("""
        CREATE TEMP TABLE m2 AS
        SELECT m.*, k.agent, k.agent_id,
               l1.t AS login_after_r, o1.t AS logout_before_e, l2.t AS first_login_t,
               o2.t AS last_logout_t
        FROM metrics m JOIN keys k USING (key_id)
        ASOF LEFT JOIN logins l1 ON l1.agent_id = k.agent_id AND l1.t >= m.r
        ASOF LEFT JOIN logouts o1 ON o1.agent_id = k.agent_id AND o1.t <= m.e
        ASOF LEFT JOIN logins l2 ON l2.agent_id = k.agent_id AND l2.t >= m.ws
        ASOF LEFT JOIN logouts o2 ON o2.agent_id = k.agent_id AND o2.t <= m.we""")

    g = rules["grace_ms"]
    con.execute(f"""
        COPY (
          WITH x AS (
            SELECT m.*, i.employee_id, i.login_name, i.group_id,
                   CASE WHEN r IS NULL THEN NULL
                        WHEN tok_r = {UNKNOWN} THEN NULL
                        WHEN tok_r <> {LOGGED_OUT} THEN 0
                        WHEN login_after_r < shift_end THEN login_after_r - r END AS late_ms,
                   CASE WHEN e IS NULL THEN NULL
                        WHEN tok_e = {UNKNOWN} THEN NULL
                        WHEN tok_e <> {LOGGED_OUT} THEN 0
                        WHEN logout_before_e > shift_start THEN e - logout_before_e END AS early_ms
            FROM m2 m LEFT JOIN ident i USING (agent_id))
          SELECT agent, agent_id, employee_id, login_name,
                 coalesce(team, group_id) AS team, timezone, shift_date,
                 make_timestamp(shift_start * 1000)::TIMESTAMPTZ AS shift_start,
                 make_timestamp(shift_end * 1000)::TIMESTAMPTZ AS shift_end,
                 sched_ms / 1000 AS scheduled_seconds,
                 coalesce(in_ms, 0) / 1000 AS in_adherence_seconds,
                 coalesce(out_ms, 0) / 1000 AS out_of_adherence_seconds,
                 coalesce(unk_ms, 0) / 1000 AS unknown_seconds,
                 CASE WHEN coalesce(in_ms, 0) + coalesce(out_ms, 0) > 0
                      THEN 100 * coalesce(in_ms, 0) / (coalesce(in_ms, 0) + coalesce(out_ms, 0)) END AS adherence_pct,
                 exception_count,
                 CASE WHEN coalesce(in_ms, 0) + coalesce(out_ms, 0) > 0
                      THEN 100 * (coalesce(in_ms, 0) + forgiven_ms) / (coalesce(in_ms, 0) + coalesce(out_ms, 0)) END
                   AS adjusted_adherence_pct,
                 coalesce(prod_sched_ms, 0) / 1000 AS productive_scheduled_seconds,
                 prod_actual_ms / 1000 AS productive_actual_seconds,
                 CASE WHEN coalesce(prod_sched_ms, 0) > 0 THEN 100 * prod_actual_ms / prod_sched_ms END
                   AS conformance_pct,
                 late_ms / 1000 AS late_seconds,
                 early_ms / 1000 AS early_logout_seconds,
                 late_ms > {g} AS is_late,
                 early_ms > {g} AS is_early_logout,
                 r IS NOT NULL AND tok_r = {LOGGED_OUT} AND logged_in_ms = 0 AS no_show,
                 logged_in_ms / 1000 AS logged_in_seconds,
                 CASE WHEN first_login_t <= we THEN make_timestamp(first_login_t * 1000)::TIMESTAMPTZ END AS first_login,
                 CASE WHEN last_logout_t >= ws THEN make_timestamp(last_logout_t * 1000)::TIMESTAMPTZ END AS last_logout
          FROM x ORDER BY agent, shift_start
        ) TO {sql_str(args.out)} (FORMAT parquet)""")
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
