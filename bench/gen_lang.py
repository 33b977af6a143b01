#!/usr/bin/env python3
"""Facts for the language benchmarks of issue 10 (bench/lang.sh).

usage: gen_lang.py join N OUT   N buckets, and access blocks for two thirds
                                of them (in reverse order), half of which
                                block public access
       gen_lang.py fns N OUT    N firewall rules for bench/fn_calls.onus
"""
import json
import sys


def join(n):
    # Each bucket also carries its block's verdict, for join_baseline.onus,
    # which reads it there instead of joining: the same verdicts, the same
    # report.
    buckets = [
        {"name": f"b{i}", "region": "eu-west-1"}
        | ({"block_public": i % 3 == 1} if i % 3 != 0 else {})
        for i in range(n)
    ]
    blocks = [
        {"bucket": f"b{i}", "block_public": i % 3 == 1}
        for i in reversed(range(n))
        if i % 3 != 0
    ]
    return {"buckets": buckets, "blocks": blocks}


def fns(n):
    cidrs = ["0.0.0.0/0", "10.0.0.0/8", "192.168.1.0/24", "::/0", "172.16.0.0/12"]
    rules = [
        {
            "id": f"r{i}",
            "direction": "ingress" if i % 4 else "egress",
            "from_port": [22, 80, 443, 3389, 5432][i % 5],
            "to_port": [22, 80, 443, 3389, 5432][i % 5] + (i % 3),
            "cidrs": [cidrs[i % 5], cidrs[(i * 7) % 5]],
        }
        for i in range(n)
    ]
    return {"rules": rules}


if __name__ == "__main__":
    kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(out, "w") as f:
        json.dump({"join": join, "fns": fns}[kind](n), f)
