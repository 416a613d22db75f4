#!/usr/bin/env python3
"""Write the starting corpus of one fuzz target from the shared corpus, read in place.

    python3 fuzz/make_seeds.py TARGET SHARED_CORPUS_DIR OUT_DIR

TARGET is feed, page or sanitize. Nothing from the shared corpus is kept in the repository:
scripts/fuzz.sh runs this before every fuzzing run and writes into fuzz/seeds/ (ignored by git).
Every seed is at most MAX_SEED bytes (larger feeds are cut there: a truncated document is a
good input too). Standard library only, and the same output for the same shared corpus.
"""

import hashlib
import html
import json
import re
import subprocess
import sys
from pathlib import Path

MAX_SEED = 100_000

# A page the way news sites build them: metadata, navigation, the article, chrome around it.
PAGE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{title} | The Outlet</title>
<meta property="og:title" content="{title}"><meta name="author" content="Maria Lopez">
<meta property="article:published_time" content="2024-03-05T07:30:00+01:00">
<meta name="description" content="{title}"><script>window.t = 1;</script><style>.ad{{color:red}}</style>
</head><body><header><nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
</ul></nav></header><div class="ad sponsor">ADVERTISEMENT</div>
<main><article><h1>{title}</h1>{body}</article></main>
<aside class="sidebar"><h3>Most read</h3><ul><li><a href="/a">A</a></li></ul></aside>
<section id="comments" class="comments"><div class="comment"><p>First!</p></div></section>
<footer class="site-footer"><p>&copy; The Outlet</p></footer></body></html>
"""

FILLER = (
    "<p>Flood waters rose through the night across the lower river valley on Tuesday, forcing "
    "more than 4,000 residents to leave their homes as levees strained under the heaviest "
    "rainfall the region has recorded in half a century, officials said.</p>"
)


class Seeds:
    def __init__(self, out: Path):
        self.out = out
        self.seen = set()
        out.mkdir(parents=True, exist_ok=True)

    def add(self, name: str, data: bytes) -> None:
        data = data[:MAX_SEED]
        digest = hashlib.sha256(data).hexdigest()
        if not data or digest in self.seen:
            return
        self.seen.add(digest)
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:80]
        (self.out / f"{len(self.seen):04d}-{safe}").write_bytes(data)


def feed_files(corpus: Path):
    for path in sorted((corpus / "feeds").rglob("*")):
        if path.is_file() and path.parent != corpus / "feeds":
            yield path


def hostile_files(corpus: Path):
    yield from sorted((corpus / "hostile").glob("*.xml"))


def generated(corpus: Path):
    """Small outputs of the hostile generators: the same shapes as their defaults, seed-sized."""
    runs = [
        ("gen-deep-nesting.py", ["--depth", "300", "--mode", "xml"]),
        ("gen-deep-nesting.py", ["--depth", "3000", "--mode", "xml"]),
        ("gen-deep-nesting.py", ["--depth", "3000", "--mode", "html"]),
        ("gen-deep-nesting.py", ["--depth", "3000", "--mode", "json"]),
        ("gen-deep-nesting.py", ["--depth", "3000", "--mode", "unclosed"]),
        ("gen-many-items.py", ["--items", "40"]),
        ("gen-many-items.py", ["--items", "40", "--dup-every", "5"]),
        ("gen-quadratic-blowup.py", ["--entity-size", "2000", "--refs", "40"]),
        ("gen-large-feed.py", ["--mb", "0.08"]),
        ("gen-large-feed.py", ["--mb", "0.08", "--one-item"]),
    ]
    for script, args in runs:
        path = corpus / "hostile" / script
        if not path.exists():
            continue
        data = subprocess.run(
            [sys.executable, str(path), *args], check=True, capture_output=True
        ).stdout
        yield f"{script[:-3]}{''.join(args)}", data


def xss_payloads(corpus: Path):
    """Every payload of the XSS collections, the NDJSON file and the JSON fixtures alike."""
    xss = corpus / "xss"
    ndjson = xss / "vectors.ndjson"
    if ndjson.exists():
        for line in ndjson.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                v = json.loads(line)
                yield v.get("id", "vector"), v.get("payload", "")
    for path in sorted(xss.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data if isinstance(data, list) else next(
            (v for v in data.values() if isinstance(v, list)), []
        )
        for i, v in enumerate(entries):
            if isinstance(v, dict) and isinstance(v.get("payload"), str):
                yield f"{path.stem}-{v.get('id', i)}", v["payload"]


BODY = re.compile(
    rb"<(description|content:encoded|content|summary)\b[^>]*>(.*?)</\1>", re.S | re.I
)


def feed_bodies(corpus: Path, per_feed: int):
    """HTML bodies of feed items (descriptions, content), unescaped as a feed reader would."""
    for path in list(feed_files(corpus)) + list(hostile_files(corpus)):
        taken = 0
        for match in BODY.finditer(path.read_bytes()):
            raw = match.group(2).strip()
            if raw.startswith(b"<![CDATA["):
                raw = raw[9:].removesuffix(b"]]>")
            else:
                raw = html.unescape(raw.decode("utf-8", "replace")).encode("utf-8")
            if len(raw) < 80:
                continue
            yield f"{path.parent.name}-{path.stem}-{taken}", raw
            taken += 1
            if taken == per_feed:
                break


def page(title: str, body: bytes) -> bytes:
    return PAGE.format(title=html.escape(title), body="{body}").encode("utf-8").replace(b"{body}", body)


def main() -> None:
    target, corpus, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    seeds = Seeds(out)
    if target == "feed":
        for path in list(feed_files(corpus)) + list(hostile_files(corpus)):
            seeds.add(f"{path.parent.name}-{path.name}", path.read_bytes())
        for name, data in generated(corpus):
            seeds.add(name, data)
    elif target == "page":
        for name, body in feed_bodies(corpus, per_feed=2):
            seeds.add(f"page-{name}", page(name, body + FILLER.encode()))
        for i, (name, payload) in enumerate(xss_payloads(corpus)):
            if i % 8 == 0:
                seeds.add(f"page-xss-{name}", page("Attack", payload.encode() + FILLER.encode() * 2))
        seeds.add("page-deep-divs", page("Deep", b"<div>" * 3000 + FILLER.encode() * 2 + b"</div>" * 3000))
        seeds.add("page-plain", page("Plain", FILLER.encode() * 4))
    elif target == "sanitize":
        for name, payload in xss_payloads(corpus):
            seeds.add(f"xss-{name}", payload.encode("utf-8"))
        for name, body in feed_bodies(corpus, per_feed=1):
            seeds.add(f"body-{name}", body)
        seeds.add("deep-divs", b"<div>" * 3000 + b"x" + b"</div>" * 3000)
    else:
        sys.exit(f"unknown target {target!r}: feed, page or sanitize")
    print(f"{len(seeds.seen)} seeds for {target} in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
