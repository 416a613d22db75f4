"""Read feed documents with Python feedparser and print, as one JSON document, the fields
freewire compares against its own reading (`freewire_ingest::agreement`): feed title, link and
updated; each entry's title, link, id, published, updated, author, summary, content and
enclosures. Text comes with its type, so the comparison can reduce HTML to text the same way on
both sides; times are UTC, as ISO 8601.

    python feedparser_fields.py BASE_URL FILE...

BASE_URL/<file name> is given to feedparser as the document's location, as freewire is given it,
so both resolve relative links against the same address.
"""
import calendar
import json
import os
import sys
import time

import feedparser


def raw(d, key):
    """A value the parser set, without FeedParserDict's fallbacks (`updated` answering with
    `published` when the document has no update time)."""
    return dict.get(d, key)


def when(parsed):
    if not parsed:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(parsed)))


def text(value, detail):
    if value is None:
        return None
    kind = (detail or {}).get("type", "text/plain")
    return {"value": value, "type": kind}


def entry_fields(e):
    author = None
    if e.get("author_detail") and e["author_detail"].get("name"):
        author = e["author_detail"]["name"]
    elif e.get("author"):
        author = e["author"]
    content = None
    if e.get("content"):
        c = e["content"][0]
        content = {"value": c.get("value", ""), "type": c.get("type", "text/plain")}
    enclosures = [x.get("href") for x in e.get("enclosures", []) if x.get("href")]
    enclosures += [x.get("url") for x in e.get("media_content", []) if x.get("url")]
    return {
        "title": text(e.get("title"), e.get("title_detail")),
        "link": e.get("link"),
        "id": e.get("id"),
        "published": when(e.get("published_parsed")),
        "updated": when(raw(e, "updated_parsed")),
        "author": author,
        # A summary feedparser copied from the content has no detail of its own: it has the
        # content's type.
        "summary": text(e.get("summary"), e.get("summary_detail") or (e.get("content") or [{}])[0]),
        "content": content,
        "enclosures": enclosures,
    }


def main():
    base = sys.argv[1].rstrip("/")
    out = []
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            data = f.read()
        location = f"{base}/{os.path.basename(path)}"
        parsed = feedparser.parse(data, response_headers={"content-location": location, "content-type": "application/xml"})
        feed = parsed.get("feed", {})
        out.append({
            "file": path,
            "version": parsed.get("version", ""),
            "bozo": bool(parsed.get("bozo")),
            "bozo_exception": str(parsed.get("bozo_exception", "")) or None,
            "encoding": parsed.get("encoding"),
            "feed": {
                "title": text(feed.get("title"), feed.get("title_detail")),
                "link": feed.get("link"),
                "updated": when(raw(feed, "updated_parsed")),
            },
            "entries": [entry_fields(e) for e in parsed.get("entries", [])],
        })
    json.dump({"feedparser": feedparser.__version__, "documents": out}, sys.stdout)


if __name__ == "__main__":
    main()
