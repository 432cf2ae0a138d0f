#!/usr/bin/env python3
"""Sum the checks of every test in a meson testlog.json: a test that prints
"N passed, N failed" contributes its own counts, any other test counts as one
check. Prints the total as "N passed, N failed"; exits 1 if anything failed."""
import json
import re
import sys

LINE = re.compile(r"^(\d+) passed, (\d+) failed", re.M)
passed = failed = 0
with open(sys.argv[1]) as f:
    for line in f:
        t = json.loads(line)
        ok = t["result"] in ("OK", "EXPECTEDFAIL", "SKIP")
        counts = LINE.findall(t.get("stdout") or "")
        if counts:
            p, fl = map(int, counts[-1])
            passed += p
            failed += fl
            if not ok and fl == 0:
                failed += 1  # crashed or timed out after its last count
            print("%-40s %s (%d passed, %d failed)" % (t["name"], t["result"], p, fl))
        else:
            passed += ok
            failed += not ok
            print("%-40s %s" % (t["name"], t["result"]))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
