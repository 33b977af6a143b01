#!/usr/bin/env python3
"""A JSON-lines stream of mixed cloud resources for bench/stream.onus
(bench/big.sh stream), one record a line, deterministic.

usage: gen_stream.py OUT SIZE   SIZE as bytes or with a unit (512M, 4G);
                                writes records until the file has at least
                                SIZE bytes (the 4 GiB stream is not committed)
       gen_stream.py OUT -n N   exactly N records
"""
import json
import sys

KINDS = ("bucket", "vm", "security_group", "function")
TEAMS = ("data", "web", "payments", None)


def record(i):
    kind = KINDS[i % 4]
    r = {
        "id": f"{kind}-{i:010d}",
        "kind": kind,
        "region": ("eu-west-1", "us-east-1", "ap-south-1")[i % 3],
        "tags": {"team": TEAMS[(i // 4) % 4], "env": ("prod", "dev")[i % 2]},
    }
    if kind == "bucket":
        r["public"] = i % 17 == 0
        r["versioning"] = i % 3 != 0
    elif kind == "vm":
        r["disk"] = {"encrypted": i % 11 != 1, "size_gb": 8 << (i % 5)}
    elif kind == "security_group":
        r["ingress"] = [
            {"cidr": "0.0.0.0/0" if i % 13 == 2 else "10.0.0.0/8", "port": 22},
            {"cidr": "0.0.0.0/0", "port": 443},
        ]
    else:
        r["runtime"] = ("python3.12", "nodejs20.x", "go1.x")[i % 3]
    return r


def size(s):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(s[:-1]) * units[s[-1].upper()]) if s[-1].upper() in units else int(s)


def main():
    out = sys.argv[1]
    if sys.argv[2] == "-n":
        count, limit = int(sys.argv[3]), None
    else:
        count, limit = None, size(sys.argv[2])
    written = i = 0
    encode = json.JSONEncoder(separators=(",", ":")).encode
    with open(out, "w", buffering=1 << 20) as f:
        while (count is None or i < count) and (limit is None or written < limit):
            n = 1000 if count is None else min(1000, count - i)
            chunk = "".join(encode(record(j)) + "\n" for j in range(i, i + n))
            f.write(chunk)
            written += len(chunk)
            i += n

if __name__ == "__main__":
    main()
