#!/usr/bin/env python3
"""Writes nested_N.json: a `terraform show -json` plan (format 1.1) whose S3
buckets, access blocks and ACLs live N modules deep (module.l1.module.l2...),
for N in 1, 5 and 40. The resources and their settings are the same at every
depth, so every verdict must be too.

    python3 tests/cases/std_terraform/generate_nested.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# (type, name, planned values, configuration expressions)
RESOURCES = [
    ("aws_s3_bucket", "blocked", {"bucket": "blocked"}, {"bucket": {"constant_value": "blocked"}}),
    ("aws_s3_bucket_public_access_block", "blocked",
     {"block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True, "restrict_public_buckets": True},
     {"bucket": {"references": ["aws_s3_bucket.blocked.id", "aws_s3_bucket.blocked"]},
      "block_public_acls": {"constant_value": True}, "block_public_policy": {"constant_value": True}}),
    ("aws_s3_bucket", "half_blocked", {"bucket": "half-blocked"}, {"bucket": {"constant_value": "half-blocked"}}),
    ("aws_s3_bucket_public_access_block", "half_blocked",
     {"block_public_acls": True, "block_public_policy": False, "ignore_public_acls": True, "restrict_public_buckets": True},
     {"bucket": {"references": ["aws_s3_bucket.half_blocked.id", "aws_s3_bucket.half_blocked"]},
      "block_public_acls": {"constant_value": True}, "block_public_policy": {"constant_value": False}}),
    ("aws_s3_bucket", "bare", {"bucket": "bare"}, {"bucket": {"constant_value": "bare"}}),
    ("aws_s3_bucket", "public", {"bucket": "public"}, {"bucket": {"constant_value": "public"}}),
    ("aws_s3_bucket_acl", "public", {"acl": "public-read"},
     {"bucket": {"references": ["aws_s3_bucket.public.id", "aws_s3_bucket.public"]}, "acl": {"constant_value": "public-read"}}),
    ("aws_s3_bucket_public_access_block", "public",
     {"block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True, "restrict_public_buckets": True},
     {"bucket": {"references": ["aws_s3_bucket.public.id", "aws_s3_bucket.public"]},
      "block_public_acls": {"constant_value": True}, "block_public_policy": {"constant_value": True}}),
]


def plan(depth):
    prefix = ".".join(f"module.l{i}" for i in range(1, depth + 1))
    planned, changes, configured = [], [], []
    for type_, name, values, expressions in RESOURCES:
        address = f"{prefix}.{type_}.{name}" if prefix else f"{type_}.{name}"
        planned.append({"address": address, "mode": "managed", "type": type_, "name": name,
                        "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
                        "values": values, "sensitive_values": {}})
        change = {"address": address, "mode": "managed", "type": type_, "name": name,
                  "provider_name": "registry.terraform.io/hashicorp/aws",
                  "change": {"actions": ["create"], "before": None, "after": values,
                             "after_unknown": {"id": True}, "before_sensitive": False, "after_sensitive": {}}}
        if prefix:
            change["module_address"] = prefix
        changes.append(change)
        configured.append({"address": f"{type_}.{name}", "mode": "managed", "type": type_, "name": name,
                           "provider_config_key": "aws", "expressions": expressions, "schema_version": 0})
    # Innermost first: the planned module tree and the configuration's calls.
    planned_module = {"resources": planned}
    config_module = {"resources": configured}
    for level in range(depth, 0, -1):
        planned_module["address"] = ".".join(f"module.l{i}" for i in range(1, level + 1))
        planned_module = {"resources": [], "child_modules": [planned_module]}
        config_module = {"module_calls": {f"l{level}": {"source": "./level", "module": config_module}}}
    return {"format_version": "1.1", "terraform_version": "1.5.7",
            "planned_values": {"root_module": planned_module},
            "resource_changes": changes,
            "configuration": {"provider_config": {"aws": {"name": "aws"}}, "root_module": config_module}}


for depth in (1, 5, 40):
    with open(os.path.join(HERE, f"nested_{depth}.json"), "w") as f:
        json.dump(plan(depth), f, indent=1)
        f.write("\n")
