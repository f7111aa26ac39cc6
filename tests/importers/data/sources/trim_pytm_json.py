"""Keep a pytm --json file small enough for the tests: only its first two findings (the
thousands of finding texts pytm writes say nothing about the architecture).

    python trim_pytm_json.py RAW.json OUT.json
"""

import json
import sys

raw, out = sys.argv[1], sys.argv[2]
with open(raw, encoding="utf-8") as handle:
    model = json.load(handle)
model["findings"] = model["findings"][:2]
with open(out, "w", encoding="utf-8") as handle:
    json.dump(model, handle)
