"""Reads a running freewire site the way other tools do: its feeds with Python's feedparser
(the parser most feed readers' authors test against) and its sitemaps against their schemas
with lxml. Run by the `republishing` test suite against its loopback server:

    python3 check_surface.py BASE_URL FEED_PATH... [--sitemap PATH]... [--news-sitemap PATH]...

Each RSS and Atom feed must parse without feedparser's bozo flag (JSON Feeds, which the
released feedparser does not read, are checked against the JSON Feed 1.1 rules instead), hold at least one entry, and carry for
every entry its credit (the outlet, "Originally published by") and its licence. Prints one
line per check and exits non-zero on the first failure, naming it.
"""

import json
import os
import sys
import urllib.request

import feedparser
from lxml import etree

HERE = os.path.dirname(os.path.abspath(__file__))


def fetch(url):
    return fetch_with_headers(url)[0]


def fetch_with_headers(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read(), {k.lower(): v for k, v in response.headers.items()}


def fail(message):
    print(f"FAIL {message}")
    sys.exit(1)


def check_json_feed(url, body):
    """The released feedparser (6.0) reads no JSON Feed, so the JSON Feed 1.1 rules are checked
    here: the version URL, a title, and items each with an id and content."""
    feed = json.loads(body)
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        fail(f"{url}: version is {feed.get('version')!r}")
    if not feed.get("title") or not isinstance(feed.get("items"), list) or not feed["items"]:
        fail(f"{url}: a JSON Feed needs a title and items")
    for item in feed["items"]:
        if not isinstance(item.get("id"), str) or not (item.get("content_html") or item.get("content_text")):
            fail(f"{url}: item {item.get('id')!r} lacks an id or content")
        if "Originally published by" not in item.get("content_html", ""):
            fail(f"{url}: item {item['id']} carries no credit")
        if not item.get("_freewire", {}).get("licence", {}).get("id"):
            fail(f"{url}: item {item['id']} carries no licence")
        if not item.get("authors"):
            fail(f"{url}: item {item['id']} names no author")
    print(f"ok {url}: JSON Feed 1.1, {len(feed['items'])} items")


def check_feed(url):
    body, headers = fetch_with_headers(url)
    if headers.get("content-type", "").startswith("application/feed+json"):
        check_json_feed(url, body)
        return
    parsed = feedparser.parse(body, response_headers=headers)
    if parsed.bozo:
        fail(f"{url}: feedparser flags it as malformed: {parsed.bozo_exception!r}")
    if not parsed.entries:
        fail(f"{url}: no entries")
    for entry in parsed.entries:
        text = " ".join(c.get("value", "") for c in entry.get("content", [])) or entry.get("summary", "")
        if "Originally published by" not in text:
            fail(f"{url}: entry {entry.get('link')} carries no credit")
        if "Licence:" not in text:
            fail(f"{url}: entry {entry.get('link')} names no licence")
        if not (entry.get("author") or entry.get("authors")):
            fail(f"{url}: entry {entry.get('link')} names no author")
    licensed = [e for e in parsed.entries if e.get("license") or e.get("rights")]
    if parsed.version.startswith(("rss", "atom")) and not licensed:
        fail(f"{url}: no entry carries its licence as metadata")
    print(f"ok {url}: {parsed.version}, {len(parsed.entries)} entries, no bozo")


def check_xml(url, schema_file):
    schema = etree.XMLSchema(etree.parse(os.path.join(HERE, "schemas", schema_file)))
    document = etree.fromstring(fetch(url))
    if not schema.validate(document):
        fail(f"{url}: does not validate against {schema_file}: {schema.error_log}")
    print(f"ok {url}: valid against {schema_file}")


def main(argv):
    if len(argv) < 2:
        fail("usage: check_surface.py BASE_URL FEED_PATH... [--sitemap PATH] [--news-sitemap PATH]")
    base = argv[1].rstrip("/")
    args = iter(argv[2:])
    for arg in args:
        if arg == "--sitemap":
            check_xml(base + next(args), "sitemap.xsd")
        elif arg == "--news-sitemap":
            check_xml(base + next(args), "news-sitemap.xsd")
        else:
            check_feed(base + arg)


if __name__ == "__main__":
    main(sys.argv)
