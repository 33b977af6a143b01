#!/usr/bin/env python3
"""Generates a policy with K controls for the scaling table: the ten checks of
checks.onus repeated with numbered names (c01_public_buckets_0002, ...).

usage: gen_controls.py K > policy.onus"""
import re
import sys

k = int(sys.argv[1])
src = open(__file__.replace("gen_controls.py", "checks.onus")).read()
parts = re.split(r"(?m)^(?=control )", src)
head, blocks = parts[0], parts[1:]
out = [head]
for i in range(k):
    block = blocks[i % len(blocks)]
    copy = i // len(blocks)
    if copy:
        block = re.sub(r"^control (\w+)", lambda m: f"control {m.group(1)}_{copy:04d}", block)
    out.append(block)
sys.stdout.write("".join(out))
