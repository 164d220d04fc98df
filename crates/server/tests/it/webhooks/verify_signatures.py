#!/usr/bin/env python3
"""Checks Stint's webhook signatures with the official `standardwebhooks`
library (PyPI), so they are verified by code we did not write.

Reads a JSON list of cases on stdin, each
    {"secret": "whsec_…", "headers": {…}, "body": "…", "expect": true|false}
and verifies each delivery with `Webhook(secret).verify(body, headers)`
(which also checks that `webhook-timestamp` is within five minutes of now).
Exits 0 when every case verified as expected, 1 otherwise, and 3 when the
library is not installed.
"""

import json
import sys

try:
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError
except ImportError:
    print("the standardwebhooks package is not installed", file=sys.stderr)
    sys.exit(3)

cases = json.load(sys.stdin)
wrong = 0
for index, case in enumerate(cases):
    expect = case.get("expect", True)
    try:
        payload = Webhook(case["secret"]).verify(case["body"], case["headers"])
        verified = payload is not None
        reason = "verified"
    except WebhookVerificationError as error:
        verified = False
        reason = str(error)
    if verified != expect:
        wrong += 1
        print(f"case {index}: expected verified={expect}, got {reason}", file=sys.stderr)
print(f"standardwebhooks checked {len(cases)} deliveries; {wrong} did not verify as expected")
sys.exit(1 if wrong else 0)
