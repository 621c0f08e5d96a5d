#!/usr/bin/env python3
"""Per-shift adherence metrics from LivePerson Agent Activity v2 pages, in Python Polars.

A reference pipeline for benchmarking adhere (see README.md beside this file): it computes
the `shifts` view of `adhere report` (SPEC.md §3-§4) with Polars' JSON and CSV readers and
(mostly lazy) Polars expressions.

    python polars_shifts.py --activity DIR --schedule FILE --rules FILE --out FILE.parquet

All instants are carried as epoch milliseconds (Int64) from parsing to the output.
"""
import os
from concurrent.futures import ThreadPoolExecutor

import polars as pl

from common import (parse_args, AWAY, BASE_TOKENS, DAY_MS, LOGGED_OUT, OCCUPIED, OFFLINE, ONLINE, UNKNOWN,
                    activity_files, fixed_offset_ms, load_rules, log, parse_duration_ms,
                    schedule_columns, token_allowed)

REC_FIELDS = ["agentId", "employeeId", "agentLoginName", "agentGroupId", "time", "sessionId",
              "sequenceNumber", "statusType", "statusSubType", "statusReasonText"]
# Every field as text: numbers arrive as strings or numbers; junk is dropped, not fatal.
PAGE_SCHEMA = {
    "timeframe": pl.Struct({k: pl.String for k in ["startTime", "endTime", "startTimeL", "endTimeL"]}),
    "stateChanges": pl.List(pl.Struct({k: pl.String for k in REC_FIELDS})),
}
RFC3339 = "%Y-%m-%dT%H:%M:%S%.f%#z"
LOCAL_FMTS = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
ABS_FMTS = ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z", "%Y-%m-%d %H:%M:%S%.f%#z",
            "%Y-%m-%d %H:%M%#z"]
ABS_RE = r"(Z|[+-]\d\d(:?\d\d)?)$"
I64 = pl.Int64
NEG_INF = -(2 ** 62)


def epoch_ms(e):
    return e.dt.epoch("ms")


def text(c):
    """Trimmed text, empty -> null."""
    x = pl.col(c).str.strip_chars()
    return pl.when(x != "").then(x)


# ----------------------------------------------------------------------------- activity
def read_page(arg):
    file_no, path = arg
    page = pl.read_json(path, schema=PAGE_SCHEMA)
    tf = page.select(pl.col("timeframe").struct.unnest())
    recs = page.select(pl.col("stateChanges").explode()).unnest("stateChanges")
    if page["stateChanges"].list.len().sum() == 0:
        recs = recs.clear()
    recs = recs.with_columns(ord=file_no * 1_048_576 + pl.int_range(pl.len(), dtype=I64))
    return tf, recs


def load_activity(files, threads):
    with ThreadPoolExecutor(threads) as ex:  # polars releases the GIL while parsing
        parts = list(ex.map(read_page, enumerate(files)))
    tfs = pl.concat([p[0] for p in parts])
    raw = pl.concat([p[1] for p in parts], rechunk=False)
    return tfs, raw


def main():
    args = parse_args(__doc__.splitlines()[0], os.cpu_count())

    rules = load_rules(args.rules)
    gap_ms = parse_duration_ms(args.shift_gap)
    tfs, raw = load_activity(activity_files(args.activity), args.threads)
    log(f"pages read: {raw.height} records")

    parsed = raw.lazy().select(
        "ord",
        agent_id=pl.col("agentId").str.strip_chars().cast(I64, strict=False),
        t=pl.coalesce(epoch_ms(pl.col("time").str.to_datetime(RFC3339, strict=False, time_unit="ms")),
                      pl.col("time").cast(I64, strict=False)),  # epoch milliseconds
        stype=pl.col("statusType").str.strip_chars().cast(I64, strict=False),
        sub=pl.col("statusSubType").str.strip_chars().cast(I64, strict=False),
        seq=pl.col("sequenceNumber").str.strip_chars().cast(I64, strict=False),
        session_id=pl.col("sessionId").str.strip_chars().cast(I64, strict=False),
        employee_id=text("employeeId"),
        login_name=text("agentLoginName"),
        group_id=text("agentGroupId"),
        reason=text("statusReasonText"),
    ).filter(pl.col("agent_id").is_not_null() & pl.col("t").is_not_null()).collect()
    del raw
    log(f"{parsed.height} records with agentId and time")

    # Coverage: union of the pages' timeframes (…L field when an integer, else RFC 3339).
    tf = tfs.select(
        s=pl.coalesce(pl.col("startTimeL").cast(I64, strict=False),
                      epoch_ms(pl.col("startTime").str.to_datetime(RFC3339, strict=False, time_unit="ms"))),
        e=pl.coalesce(pl.col("endTimeL").cast(I64, strict=False),
                      epoch_ms(pl.col("endTime").str.to_datetime(RFC3339, strict=False, time_unit="ms"))),
    ).filter(pl.col("e") > pl.col("s"))
    if tf.height == 0:
        tf = parsed.select(s=pl.col("t").min(), e=pl.col("t").max())
    coverage = (tf.sort("s", "e")
                .with_columns(island=(pl.col("s") > pl.col("e").cum_max().shift(1)).fill_null(False).cum_sum())
                .group_by("island").agg(pl.col("s").min(), pl.col("e").max()))

    # Identity per LivePerson agent (latest non-empty values) and every id seen (matching).
    ident = parsed.lazy().group_by("agent_id").agg(
        pl.col(c).sort_by("t").drop_nulls().last() for c in ["employee_id", "login_name", "group_id"])
    seen = parsed.lazy().select("agent_id", "employee_id",
                                login_lower=pl.col("login_name").str.to_lowercase()).unique()

    # State tokens: fixed ids, then one per distinct away reason (compared ignoring case).
    reasons = sorted(parsed.lazy().filter((pl.col("sub") == 4) & pl.col("reason").is_not_null())
                     .select(pl.col("reason").str.to_lowercase().unique()).collect()["reason"].to_list())
    tokens = dict(BASE_TOKENS)
    for r in reasons:
        tokens["away:" + r] = len(tokens)

    # Dedupe (first occurrence of the key; null is its own value), then drop junk types.
    recs = (parsed.lazy()
            .unique(subset=["agent_id", "t", "stype", "sub", "seq", "session_id"], keep="first",
                    maintain_order=False)
            .filter(pl.col("stype").is_in([3, 4]) | ((pl.col("stype") == 1) & pl.col("sub").is_between(1, 4)))
            .select("agent_id", "t", "stype", "seq", "ord",
                    tok=pl.when(pl.col("stype") == 3).then(UNKNOWN)
                    .when(pl.col("stype") == 4).then(LOGGED_OUT)
                    .when(pl.col("sub") == 1).then(OFFLINE)
                    .when(pl.col("sub") == 2).then(ONLINE)
                    .when(pl.col("sub") == 3).then(OCCUPIED)
                    .otherwise(pl.col("reason").str.to_lowercase()
                               .replace_strict({r: tokens["away:" + r] for r in reasons},
                                               default=AWAY, return_dtype=pl.Int32))
                    .cast(pl.Int32))
            .collect())
    ident, seen = pl.collect_all([ident, seen])
    del parsed
    log(f"{recs.height} records kept after dedupe and junk")

    # ------------------------------------------------------------------------- rules
    acts = rules["activities"]
    act_of = {n: i for i, n, _, _, _ in acts}
    counted_acts = [i for i, _, _, _, c in acts if c]
    productive_acts = [i for i, _, _, p, _ in acts if p]
    needs_login_acts = [i for i, _, al, _, _ in acts if "logged_out" not in al]
    allowed_codes = [i * 1024 + tid for i, _, al, _, _ in acts for tname, tid in tokens.items()
                     if tname != "unknown" and token_allowed(tname, al)]
    prod_toks = [tid for tname, tid in tokens.items()
                 if tname != "unknown" and token_allowed(tname, rules["productive_states"])]

    # ------------------------------------------------------------------------- schedule
    cols = schedule_columns(args.schedule)
    csv = pl.read_csv(args.schedule, infer_schema=False)
    sched = csv.select(
        line=pl.int_range(pl.len(), dtype=I64),
        **{k: (text(v) if v else pl.lit(None, pl.String)) for k, v in cols.items()},
    ).filter(pl.any_horizontal(pl.col("agent", "activity", "start").is_not_null()))
    sched = sched.with_columns(pl.col("timezone").fill_null(args.tz))

    def instants(part, tz):
        """start/end instants (ms) and the start's local date, for the rows of one zone."""
        off = fixed_offset_ms(tz)
        out = []
        for c in ["start", "end"]:
            is_abs = pl.col(c).str.contains(ABS_RE)
            absolute = pl.coalesce([pl.col(c).str.to_datetime(f, strict=False, time_unit="ms") for f in ABS_FMTS])
            local = pl.coalesce([pl.col(c).str.to_datetime(f, strict=False, time_unit="ms") for f in LOCAL_FMTS])
            local_ms = (epoch_ms(local) - off if off is not None
                        else epoch_ms(local.dt.replace_time_zone(tz)))  # DST gap/overlap: error
            out.append(pl.when(is_abs).then(epoch_ms(absolute)).otherwise(local_ms).alias(c + "_ms"))
            if c == "start":
                abs_local_date = ((absolute.dt.replace_time_zone(None) + pl.duration(milliseconds=off)).dt.date()
                                  if off is not None else absolute.dt.convert_time_zone(tz).dt.date())
                out.append(pl.when(is_abs).then(abs_local_date).otherwise(local.dt.date()).alias("local_date"))
        return part.with_columns(out)

    sched = pl.concat([instants(p, tz) for (tz,), p in sched.partition_by("timezone", as_dict=True).items()])
    sched = sched.with_columns(
        e=pl.coalesce("end_ms", pl.col("start_ms") + (pl.col("length_minutes").cast(pl.Float64, strict=False)
                                                      * 60000).round().cast(I64)),
        act=pl.col("activity").str.to_lowercase().replace_strict(act_of, default=None, return_dtype=pl.Int32),
    ).rename({"start_ms": "s"})
    bad = sched.filter(pl.col("agent").is_null() | pl.col("s").is_null() | pl.col("e").is_null()
                       | (pl.col("e") <= pl.col("s")))
    if bad.height:
        raise SystemExit(f"{args.schedule}: invalid rows: {bad.head(5)}")
    unknown = sched.filter(pl.col("act").is_null())["activity"].unique().sort().to_list()
    if unknown:
        raise SystemExit("activities with no rule: " + ", ".join(unknown))

    # Schedule keys matched to LivePerson agents: employeeId, else login (ignoring case),
    # else agentId; several matches -> the smallest agentId.
    keys = (sched.select("agent").unique().sort("agent")
            .with_row_index("key_id").with_columns(pl.col("key_id").cast(I64)))
    by_emp = keys.join(seen.drop_nulls("employee_id"), left_on="agent", right_on="employee_id") \
        .group_by("key_id").agg(emp=pl.col("agent_id").min())
    by_login = keys.with_columns(login_lower=pl.col("agent").str.to_lowercase()) \
        .join(seen.drop_nulls("login_lower"), on="login_lower").group_by("key_id").agg(login=pl.col("agent_id").min())
    by_id = keys.with_columns(aid=pl.col("agent").cast(I64, strict=False)) \
        .join(ident.select("agent_id"), left_on="aid", right_on="agent_id").select("key_id", "aid")
    keys = (keys.join(by_emp, on="key_id", how="left").join(by_login, on="key_id", how="left")
            .join(by_id, on="key_id", how="left")
            .select("key_id", "agent", agent_id=pl.coalesce("emp", "login", "aid")))
    log(f"schedule: {sched.height} rows, {keys.height} agents "
        f"({keys['agent_id'].null_count()} unmatched)")

    # Shifts: rows sharing a shift_id; rows without one, in start order, start a new shift
    # when they begin at least shift-gap after the latest end so far.
    rows = sched.join(keys.select("agent", "key_id"), on="agent").sort("key_id", "s", "line")
    grouped = (rows.filter(pl.col("shift_id").is_null())
               .with_columns(prev_max_e=pl.col("e").cum_max().shift(1).over("key_id"))
               .with_columns(shift_key=pl.lit("g") + (pl.col("prev_max_e").is_null()
                                                      | (pl.col("s") >= pl.col("prev_max_e") + gap_ms))
                             .cum_sum().over("key_id").cast(pl.String))
               .drop("prev_max_e"))
    with_id = rows.filter(pl.col("shift_id").is_not_null()).with_columns(shift_key=pl.lit("i") + pl.col("shift_id"))
    srows = pl.concat([grouped, with_id]).sort("key_id", "s", "line").with_row_index("prec")
    gids = srows.select("key_id", "shift_key").unique().sort("key_id", "shift_key").with_row_index("gid")
    srows = srows.join(gids, on=["key_id", "shift_key"]).with_columns(pl.col("gid").cast(I64))

    # Overlay: elementary segments between an agent's row boundaries; the row with the latest
    # start (then the later line) covering a segment applies there. Rows are bucketed by UTC
    # day so that the range join stays small.
    segs = (pl.concat([srows.select("key_id", b="s"), srows.select("key_id", b="e")]).unique()
            .sort("key_id", "b")
            .with_columns(nb=pl.when(pl.col("key_id").shift(-1) == pl.col("key_id")).then(pl.col("b").shift(-1))))
    rd = srows.lazy().select("key_id", "s", "e", "prec", "gid", "act",
                             day=pl.int_ranges(pl.col("s") // DAY_MS, (pl.col("e") - 1) // DAY_MS + 1)).explode("day")
    pick = (segs.lazy().filter(pl.col("nb").is_not_null()).with_columns(day=pl.col("b") // DAY_MS)
            .join(rd, on=["key_id", "day"])
            .filter((pl.col("s") <= pl.col("b")) & (pl.col("e") >= pl.col("nb")))
            .group_by("key_id", "b")
            .agg(pl.col("gid", "act").get(pl.col("prec").arg_max())))
    segs = segs.lazy().join(pick, on=["key_id", "b"], how="left").collect()

    # Reported shifts: those with counted time. R/E: first/last counted time whose activity
    # does not allow logged_out. Conformance windows: ±60 min, cut at the midpoints.
    needs = pl.col("act").is_in(needs_login_acts)
    shifts = (segs.lazy().filter(pl.col("act").is_in(counted_acts)).group_by("gid").agg(
        pl.col("key_id").first(), shift_start=pl.col("b").min(), shift_end=pl.col("nb").max(),
        r=pl.col("b").filter(needs).min(), e=pl.col("nb").filter(needs).max()))
    meta = srows.lazy().sort("prec").group_by("gid").agg(
        shift_date=pl.col("local_date").first(), timezone=pl.col("timezone").first(),
        team=pl.col("team").drop_nulls().first())
    shifts = (shifts.join(meta, on="gid").sort("key_id", "shift_start", "gid")
              .with_columns(prev_end=pl.col("shift_end").shift(1).over("key_id"),
                            next_start=pl.col("shift_start").shift(-1).over("key_id"))
              .with_columns(
                  ws=pl.max_horizontal(pl.col("shift_start") - 3_600_000,
                                       (pl.col("prev_end") + pl.col("shift_start")) // 2),
                  we=pl.min_horizontal(pl.col("shift_end") + 3_600_000,
                                       (pl.col("shift_end") + pl.col("next_start")) // 2))
              .collect())
    log(f"{shifts.height} shifts")

    # ------------------------------------------------------------------------- timeline
    # One event stream per schedule agent: state records, segment starts (activity, shift),
    # coverage bounds, shift spans and conformance windows. A reset row opens each agent, so
    # that one global forward fill gives every piece between two events everything at once.
    # prio orders events at one instant: ends before starts, state records last.
    first_type = recs.lazy().sort("agent_id", "t", "seq", "ord", nulls_last=False) \
        .group_by("agent_id").agg(first_type=pl.col("stype").first())
    init = (keys.lazy().join(first_type, on="agent_id", how="left")
            .select("key_id", init_tok=pl.when(pl.col("first_type").is_null() | (pl.col("first_type") == 3))
                    .then(LOGGED_OUT).otherwise(UNKNOWN).cast(pl.Int32)))
    schema = {"key_id": I64, "t": I64, "prio": pl.Int8, "seq": I64, "ord": I64, "tok": pl.Int32,
              "act": pl.Int32, "sgid": I64, "cov": pl.Boolean, "span": I64, "win": I64}

    def ev(frame, **cols):
        return frame.lazy().select(**cols).with_columns(
            [pl.lit(None, dt).alias(c) for c, dt in schema.items() if c not in cols]).select(
            [pl.col(c).cast(dt) for c, dt in schema.items()])

    cov_events = keys.lazy().join(
        pl.concat([coverage.lazy().select(t="s", prio=pl.lit(1), cov=pl.lit(True)),
                   coverage.lazy().select(t="e", prio=pl.lit(0), cov=pl.lit(False))]), how="cross")
    events = pl.concat([
        ev(keys, key_id="key_id", t=pl.lit(NEG_INF), prio=pl.lit(-1), tok=pl.lit(-1), act=pl.lit(-1),
           sgid=pl.lit(-1), cov=pl.lit(False), span=pl.lit(-1), win=pl.lit(-1)),
        ev(recs.lazy().join(keys.lazy().select("key_id", "agent_id"), on="agent_id"),
           key_id="key_id", t="t", prio=pl.lit(3), seq="seq", ord="ord", tok="tok"),
        ev(segs, key_id="key_id", t="b", prio=pl.lit(2), act=pl.col("act").fill_null(-1),
           sgid=pl.col("gid").fill_null(-1)),
        ev(cov_events, key_id="key_id", t="t", prio="prio", cov="cov"),
        ev(shifts, key_id="key_id", t="shift_start", prio=pl.lit(1), span="gid"),
        ev(shifts, key_id="key_id", t="shift_end", prio=pl.lit(0), span=pl.lit(-1)),
        ev(shifts, key_id="key_id", t="ws", prio=pl.lit(1), win="gid"),
        ev(shifts, key_id="key_id", t="we", prio=pl.lit(0), win=pl.lit(-1)),
    ])
    same_agent = pl.col("key_id").shift(-1) == pl.col("key_id")
    pieces = (events.sort("key_id", "t", "prio", "seq", "ord", nulls_last=False)
              .with_columns(pl.col("tok", "act", "sgid", "cov", "span", "win").forward_fill(),
                            dur=pl.when(same_agent).then(pl.col("t").shift(-1) - pl.col("t")))
              .filter(pl.col("dur") > 0)
              .join(init, on="key_id", how="left", maintain_order="left")
              .with_columns(tok=pl.when(~pl.col("cov")).then(pl.lit(UNKNOWN, pl.Int32))
                            .when(pl.col("tok") == -1).then("init_tok").otherwise("tok"))
              .select("key_id", "t", "dur", "tok", "act", "sgid", "span", "win")
              .collect())
    log(f"timeline built: {pieces.height} pieces")

    # Verdict per piece of counted time; exception runs are maximal runs of consecutive
    # out-of-adherence pieces of one shift.
    counted = pl.col("act").is_in(counted_acts)
    known = pl.col("tok") != UNKNOWN
    allowed = (pl.col("act") * 1024 + pl.col("tok")).is_in(allowed_codes)
    judged = pieces.lazy().with_columns(
        counted=counted, is_in=counted & known & allowed, is_out=counted & known & ~allowed,
        productive=pl.col("act").is_in(productive_acts), needs_login=needs)
    min_exc = rules["min_exception_ms"]
    runs = (judged.with_columns(grp=(~pl.col("is_out")).cum_sum())
            .filter("is_out").group_by("key_id", "sgid", "grp").agg(len=pl.col("dur").sum())
            .group_by("sgid").agg(exception_count=(pl.col("len") >= min_exc).sum(),
                                  forgiven_ms=pl.col("len").filter(pl.col("len") < min_exc).sum()))
    c = judged.filter(pl.col("sgid") >= 0)
    adh = c.group_by("sgid").agg(
        sched_ms=pl.col("dur").filter("counted").sum(),
        in_ms=pl.col("dur").filter("is_in").sum(),
        out_ms=pl.col("dur").filter("is_out").sum(),
        unk_ms=pl.col("dur").filter(pl.col("counted") & ~known).sum(),
        prod_sched_ms=pl.col("dur").filter(pl.col("counted") & pl.col("productive")).sum(),
        tok_r=pl.col("tok").filter(pl.col("counted") & pl.col("needs_login")).first(),
        tok_e=pl.col("tok").filter(pl.col("counted") & pl.col("needs_login")).last())
    li = (pieces.lazy().filter((pl.col("span") >= 0) & ~pl.col("tok").is_in([UNKNOWN, LOGGED_OUT]))
          .group_by("span").agg(logged_in_ms=pl.col("dur").sum()))
    pa = (pieces.lazy().filter((pl.col("win") >= 0) & pl.col("tok").is_in(prod_toks))
          .group_by("win").agg(prod_actual_ms=pl.col("dur").sum()))
    m = (shifts.lazy().join(adh, left_on="gid", right_on="sgid")
         .join(runs, left_on="gid", right_on="sgid", how="left")
         .join(li, left_on="gid", right_on="span", how="left")
         .join(pa, left_on="gid", right_on="win", how="left")
         .join(keys.lazy(), on="key_id")
         .with_columns(pl.col("exception_count", "forgiven_ms", "logged_in_ms", "prod_actual_ms").fill_null(0))
         .collect())
    log("metrics aggregated")

    # Late / early logout / first login / last logout from the login (3) and logout (4)
    # records, via as-of joins.
    logins = recs.filter(pl.col("stype") == 3).select("agent_id", lt="t").sort("lt")
    logouts = recs.filter(pl.col("stype") == 4).select("agent_id", ot="t").sort("ot")

    def asof(on, right, right_on, strategy, name):
        left = m.select("gid", "agent_id", on).drop_nulls().sort(on)
        j = left.join_asof(right, left_on=on, right_on=right_on, by="agent_id", strategy=strategy,
                           check_sortedness=False)
        return j.select("gid", pl.col(right_on).alias(name))

    for args_ in [("r", logins, "lt", "forward", "login_after_r"),
                  ("e", logouts, "ot", "backward", "logout_before_e"),
                  ("ws", logins, "lt", "forward", "first_login_t"),
                  ("we", logouts, "ot", "backward", "last_logout_t")]:
        m = m.join(asof(*args_), on="gid", how="left")

    g = rules["grace_ms"]
    in_out = pl.col("in_ms") + pl.col("out_ms")
    late = (pl.when(pl.col("r").is_null() | (pl.col("tok_r") == UNKNOWN)).then(None)
            .when(pl.col("tok_r") != LOGGED_OUT).then(0)
            .when(pl.col("login_after_r") < pl.col("shift_end")).then(pl.col("login_after_r") - pl.col("r")))
    early = (pl.when(pl.col("e").is_null() | (pl.col("tok_e") == UNKNOWN)).then(None)
             .when(pl.col("tok_e") != LOGGED_OUT).then(0)
             .when(pl.col("logout_before_e") > pl.col("shift_start")).then(pl.col("e") - pl.col("logout_before_e")))
    ts = lambda e: e.cast(pl.Datetime("ms", "UTC"))  # noqa: E731
    out = (m.lazy().join(ident.lazy(), on="agent_id", how="left")
           .with_columns(late_ms=late, early_ms=early)
           .select("agent", "agent_id", "employee_id", "login_name",
                   team=pl.coalesce("team", "group_id"), timezone="timezone", shift_date="shift_date",
                   shift_start=ts(pl.col("shift_start")), shift_end=ts(pl.col("shift_end")),
                   scheduled_seconds=pl.col("sched_ms") / 1000,
                   in_adherence_seconds=pl.col("in_ms") / 1000,
                   out_of_adherence_seconds=pl.col("out_ms") / 1000,
                   unknown_seconds=pl.col("unk_ms") / 1000,
                   adherence_pct=pl.when(in_out > 0).then(100 * pl.col("in_ms") / in_out),
                   exception_count=pl.col("exception_count").cast(I64),
                   adjusted_adherence_pct=pl.when(in_out > 0).then(
                       100 * (pl.col("in_ms") + pl.col("forgiven_ms")) / in_out),
                   productive_scheduled_seconds=pl.col("prod_sched_ms") / 1000,
                   productive_actual_seconds=pl.col("prod_actual_ms") / 1000,
                   conformance_pct=pl.when(pl.col("prod_sched_ms") > 0).then(
                       100 * pl.col("prod_actual_ms") / pl.col("prod_sched_ms")),
                   late_seconds=pl.col("late_ms") / 1000,
                   early_logout_seconds=pl.col("early_ms") / 1000,
                   is_late=pl.col("late_ms") > g,
                   is_early_logout=pl.col("early_ms") > g,
                   no_show=pl.col("r").is_not_null() & (pl.col("tok_r") == LOGGED_OUT)
                   & (pl.col("logged_in_ms") == 0),
                   logged_in_seconds=pl.col("logged_in_ms") / 1000,
                   first_login=ts(pl.when(pl.col("first_login_t") <= pl.col("we")).then("first_login_t")),
                   last_logout=ts(pl.when(pl.col("last_logout_t") >= pl.col("ws")).then("last_logout_t")))
           .sort("agent", "shift_start"))
    out.sink_parquet(args.out)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
