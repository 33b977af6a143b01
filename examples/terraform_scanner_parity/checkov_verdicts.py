#!/usr/bin/env python3
"""Records checkov's verdict per check and resource over every plan in plans/,
once, as golden data: checkov-verdicts.json, {plan: {check: {address: "pass"|"fail"}}}.

Run with checkov installed (`pip install checkov==3.3.30`):
    python3 examples/terraform_scanner_parity/checkov_verdicts.py
The parity test (tests/scanner_parity.rs) compares onus with this file and
never runs checkov itself.
"""
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
# The ported checks, as in policy.onus.
CHECKS = [
    "CKV_AWS_3", "CKV_AWS_7", "CKV_AWS_8", "CKV_AWS_16", "CKV_AWS_17",
    "CKV_AWS_18", "CKV_AWS_20", "CKV_AWS_21", "CKV_AWS_23", "CKV_AWS_24",
    "CKV_AWS_25", "CKV_AWS_26", "CKV_AWS_27", "CKV_AWS_28", "CKV_AWS_40",
    "CKV_AWS_50", "CKV_AWS_51", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55",
    "CKV_AWS_56", "CKV_AWS_57", "CKV_AWS_62", "CKV_AWS_66", "CKV_AWS_79",
    "CKV_AWS_126", "CKV_AWS_135", "CKV_AWS_158", "CKV_AWS_163",
    "CKV_AWS_260", "CKV2_AWS_6",
]


def verdicts(plan):
    out = subprocess.run(
        ["checkov", "-f", os.path.join(HERE, "plans", plan), "--framework", "terraform_plan",
         "-c", ",".join(CHECKS), "-o", "json", "--compact", "--skip-download"],
        capture_output=True, text=True, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    report = json.loads(out.stdout)
    results = report.get("results", {}) if isinstance(report, dict) else {}
    found = {}
    for kind, word in (("passed_checks", "pass"), ("failed_checks", "fail")):
        for c in results.get(kind, []):
            found.setdefault(c["check_id"], {})[c["resource"]] = word
    return plan[: -len(".json")], found


def main():
    plans = sorted(p for p in os.listdir(os.path.join(HERE, "plans")) if p.endswith(".json"))
    with ThreadPoolExecutor(max_workers=int(sys.argv[1]) if len(sys.argv) > 1 else 2) as pool:
        golden = dict(pool.map(verdicts, plans))
    with open(os.path.join(HERE, "checkov-verdicts.json"), "w") as f:
        json.dump(golden, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
