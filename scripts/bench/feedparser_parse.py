"""Parse freewire's generated feed corpus with Python's feedparser: the anchor for the parse
benchmark. Prints items per second as JSON, in the same shape as `freewire-bench parse`.
Released feedparser (6.0.x) does not read JSON Feed, so the JSON documents are left out here
and `freewire-bench parse --xml-only` measures the same RSS and Atom documents.

    python feedparser_parse.py CORPUS_DIR [SECONDS]
"""
import json
import os
import sys
import time

import feedparser


def main():
    folder = sys.argv[1]
    at_least = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    names = sorted(n for n in os.listdir(folder) if n.startswith("feed-") and not n.endswith(".json"))
    documents = []
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            documents.append((name, f.read()))
    items = passes = 0
    started = time.perf_counter()
    while passes == 0 or time.perf_counter() - started < at_least:
        for name, data in documents:
            # The same base address freewire resolves relative links against.
            parsed = feedparser.parse(data, response_headers={"content-location": "https://outlet.example/"})
            if parsed.bozo and not parsed.entries:
                raise SystemExit(f"{name}: feedparser could not read it: {parsed.bozo_exception}")
            items += len(parsed.entries)
        passes += 1
    took = time.perf_counter() - started
    print(json.dumps({"items": items, "passes": passes, "seconds": took, "items_per_second": items / took,
                      "feedparser": feedparser.__version__}))


if __name__ == "__main__":
    main()
