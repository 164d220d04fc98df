"""Schemathesis hooks for Stint's conformance run (schemathesis.rs).

The OpenAPI document states every rule JSON Schema can state, including the
rules between fields (see crates/server/src/api/schema_rules.rs). What it
cannot state are relations between two values and the clock: a time entry
ends after it starts and lasts at most 24 hours, and a running timer cannot
start in the future. The server answers those with 400, so generated bodies
are moved into range here; every check stays on.
"""

import datetime as dt
import os

import schemathesis

TIME_ENTRY_PATHS = {
    "/api/v1/time-entries",
    "/api/v1/time-entries/{id}",
    "/api/v1/time-entries/start",
}
MAX_SECONDS = 24 * 3600


def _instant(value):
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _text(instant):
    return instant.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


@schemathesis.hook
def map_body(ctx, body):
    operation = ctx.operation
    if (
        operation is None
        or not isinstance(body, dict)
        or operation.method.upper() not in ("POST", "PUT", "PATCH")
        or operation.path not in TIME_ENTRY_PATHS
    ):
        return body
    start = _instant(body.get("started_at"))
    if start is None:
        return body
    latest = dt.datetime(9999, 12, 30, tzinfo=dt.timezone.utc)
    if start > latest:
        start = latest
        body["started_at"] = _text(start)
    end = _instant(body.get("ended_at"))
    lengths = [body.get(k) for k in ("duration_seconds", "duration")]
    if end is not None:
        if not start < end <= start + dt.timedelta(seconds=MAX_SECONDS):
            seconds = 1 + int(abs((end - start).total_seconds())) % MAX_SECONDS
            body["ended_at"] = _text(start + dt.timedelta(seconds=seconds))
    elif all(length is None for length in lengths):
        # A running timer: it started at most a day ago, never later than now.
        now = _instant(os.environ.get("STINT_SERVER_NOW")) or dt.datetime.now(dt.timezone.utc)
        if start > now:
            offset = int((start - now).total_seconds()) % MAX_SECONDS
            body["started_at"] = _text(now - dt.timedelta(seconds=offset + 60))
    return body
