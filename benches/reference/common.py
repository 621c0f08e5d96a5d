"""Helpers shared by the reference pipelines: flags, rules TOML, durations, schedule headers."""
import argparse
import csv
import re
import sys
import time
import tomllib

DAY_MS = 86_400_000
# state tokens: fixed ids, then one id per distinct away reason (lower case)
UNKNOWN, LOGGED_OUT, OFFLINE, ONLINE, OCCUPIED, AWAY = range(6)
BASE_TOKENS = {"unknown": UNKNOWN, "logged_out": LOGGED_OUT, "offline": OFFLINE,
               "online": ONLINE, "occupied": OCCUPIED, "away": AWAY}
T0 = time.perf_counter()


def parse_args(description, threads_default):
    """The flags both pipelines take (run.sh passes the first four)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--activity", required=True, help="directory of API v2 page files")
    ap.add_argument("--schedule", required=True, help="generic schedule CSV")
    ap.add_argument("--rules", required=True, help="rules TOML")
    ap.add_argument("--out", required=True, help="output Parquet file")
    ap.add_argument("--shift-gap", default="60m")
    ap.add_argument("--tz", default="UTC", help="zone of schedule rows without one")
    ap.add_argument("--threads", type=int, default=threads_default)
    return ap.parse_args()


def log(msg):
    print(f"[{time.perf_counter() - T0:6.2f}s] {msg}", file=sys.stderr)


def parse_duration_ms(v):
    """'500ms', '60s', '5m', '1h30m' or a bare number of seconds -> milliseconds."""
    if isinstance(v, (int, float)):
        return round(v * 1000)
    s = str(v).strip().replace(" ", "")
    try:
        return round(float(s) * 1000)
    except ValueError:
        pass
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", s)
    if not parts or "".join(a + b for a, b in parts) != s:
        sys.exit(f"bad duration {v!r}")
    mult = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}
    return round(sum(float(a) * mult[b] for a, b in parts))


def load_rules(path):
    rules = tomllib.load(open(path, "rb")) if path else {}
    acts = rules.get("activity")
    if acts is None:  # built-in defaults (SPEC §3.3)
        acts = [
            {"names": ["Open", "Available", "Chat", "Messaging", "Phone", "Email", "Work"],
             "allowed": ["online"], "productive": True},
            {"names": ["Break", "Lunch", "Meal", "Meeting", "Training", "Coaching", "Personal"],
             "allowed": ["away", "occupied", "offline", "logged_out"]},
            {"names": ["Time Off", "Vacation", "Holiday", "Sick", "Absence", "Off"], "counted": False},
        ]
    table, seen = [], set()
    for a in acts:
        allowed = [x.strip().lower() for x in a.get("allowed", [])]
        for n in a.get("names", []):
            if n.lower() in seen:  # a name listed twice keeps its first listing
                continue
            seen.add(n.lower())
            table.append((len(table), n.lower(), allowed, bool(a.get("productive", False)),
                          bool(a.get("counted", True))))
    return {
        "productive_states": [x.strip().lower() for x in rules.get("productive_states", ["online"])],
        "grace_ms": parse_duration_ms(rules.get("grace", "60s")),
        "min_exception_ms": parse_duration_ms(rules.get("min_exception", "60s")),
        "activities": table,
    }


def token_allowed(token_name, allowed):
    """Does a state token ('online', 'away', 'away:lunch', ...) satisfy an allowed list?"""
    if token_name in allowed:
        return True
    return token_name.startswith("away:") and "away" in allowed


# Schedule header aliases (SPEC §3.2); the canonical name wins, then alias order.
ALIASES = {
    "agent": ["agent", "employee_id", "username", "login", "email", "agent_id"],
    "activity": ["activity", "activity_name", "code"],
    "start": ["start", "start_time"],
    "end": ["end", "end_time", "stop"],
    "length_minutes": ["length_minutes"],
    "timezone": ["timezone", "tz"],
    "shift_id": ["shift_id"],
    "team": ["team", "group"],
}


def schedule_columns(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        header = next(csv.reader(f))
    norm = {re.sub(r"[ \-]", "_", h.strip().lower()): h for h in header}
    cols = {}
    for canon, names in ALIASES.items():
        hit = next((norm[n] for n in names if n in norm), None)
        cols[canon] = hit
    for req in ("agent", "activity", "start"):
        if cols[req] is None:
            sys.exit(f"{path}: missing required column {req!r}")
    if cols["end"] is None and cols["length_minutes"] is None:
        sys.exit(f"{path}: needs an 'end' or a 'length_minutes' column")
    return cols


def activity_files(directory):
    """A directory's page files, in name order (not recursive)."""
    import os
    files = sorted(os.path.join(directory, f) for f in os.listdir(directory)
                   if f.endswith((".json", ".ndjson", ".jsonl")))
    if not files:
        sys.exit(f"no page files in {directory}")
    return files


FIXED_RE = r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$"


def fixed_offset_ms(tz):
    """'UTC', 'GMT', 'UTC+05:30', '+05:30', 'UTC-3' -> offset in ms; an IANA name -> None."""
    if tz.upper() in ("UTC", "GMT", "Z"):
        return 0
    m = re.match(FIXED_RE, tz.strip(), re.IGNORECASE)
    if not m:
        return None
    sign = -1 if m.group(1) == "-" else 1
    return sign * (int(m.group(2)) * 3_600_000 + int(m.group(3) or 0) * 60_000)
