//! The shared corpus, read in place: every real feed in `corpus/feeds` parses (or fails for the
//! reason written down below), and every hostile input in `corpus/hostile` ends quickly in a
//! result or a clean error without leaking files, fetching anything or expanding entities.
//!
//! The corpus lives beside the repository (`../shared/corpus`), not in it. Without it these
//! tests skip with a note on a developer's machine and fail under `CI=true`.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly on a broken fixture")]

use std::collections::{BTreeMap, HashSet};
use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use freewire_ingest::parse::{MAX_FEED_BYTES_PARSED, ParseError, ParsedFeed, parse_feed};
use freewire_ingest::sanitize::text_of_sanitised;
use freewire_ingest::{html_to_text, sanitize_html};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

/// The port the hostile files try to make the parser fetch from.
const BAIT_PORT: u16 = 8089;

/// The corpus directory, or `None` (after saying so) when it is absent outside CI.
fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(CORPUS);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        !freewire_store::testing::is_ci(),
        "the test corpus is missing at {} (CI=true requires it)",
        dir.display()
    );
    eprintln!("skipping: no test corpus at {}", dir.display());
    None
}

/// What a file in `corpus/feeds` gives, where that is not "parses, with the number of items
/// `manifest.json` states".
enum Expected {
    /// Fails, with a reason containing this text.
    Error(&'static str),
    /// Parses with this many items.
    Items(usize),
}

/// The exceptions, each with its reason.
const EXCEPTIONS: &[(&str, Expected, &str)] = &[
    (
        "rss-parser/unrecognized.rss",
        Expected::Error("HTML page"),
        "an HTML 'Document Moved' page served at a feed URL, not a feed",
    ),
    (
        "rsparser/ScriptingNews.json",
        Expected::Error("RSS-in-JSON"),
        "RSS-in-JSON, a different format from JSON Feed, which is the only JSON feed format read",
    ),
    (
        "simplepie/feed-utf16le.xml",
        Expected::Items(1),
        "the manifest's 0 is feedparser failing to sniff UTF-16 without BOM; the file holds one item",
    ),
    (
        "simplepie/feed-utf16be.xml",
        Expected::Items(1),
        "the manifest's 0 is feedparser failing to sniff UTF-16 without BOM; the file holds one item",
    ),
];

/// Item counts from `manifest.json`, by file.
fn manifest_items(feeds: &Path) -> BTreeMap<String, usize> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(feeds.join("manifest.json")).unwrap()).unwrap();
    manifest["files"]
        .as_array()
        .expect("manifest.json has a files array")
        .iter()
        .filter_map(|f| {
            let items = usize::try_from(f["items"].as_u64()?).ok()?;
            Some((f["file"].as_str()?.to_owned(), items))
        })
        .collect()
}

/// Every feed file under `dir`, as paths relative to it.
fn feed_files(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for folder in std::fs::read_dir(dir).unwrap() {
        let folder = folder.unwrap().path();
        if !folder.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&folder).unwrap() {
            let file = file.unwrap().path();
            let relative = file.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
            files.push(relative);
        }
    }
    files.sort();
    files
}

#[test]
fn every_real_feed_parses_with_the_items_the_manifest_counts() {
    let Some(corpus) = corpus() else { return };
    let feeds = corpus.join("feeds");
    let counts = manifest_items(&feeds);
    let files = feed_files(&feeds);
    assert!(files.len() >= 75, "expected the 75 corpus feeds, found {}", files.len());

    let mut problems = Vec::new();
    for file in &files {
        let bytes = std::fs::read(feeds.join(file)).unwrap();
        let result = parse_feed(&bytes, None);
        let exception = EXCEPTIONS.iter().find(|(name, _, _)| name == file);
        match (exception.map(|(_, e, _)| e), &result) {
            (Some(Expected::Error(reason)), Err(e)) if e.reason.contains(reason) => {}
            (Some(Expected::Error(reason)), _) => {
                problems
                    .push(format!("{file}: expected an error about {reason:?}, got {}", summary(&result)));
            }
            (Some(Expected::Items(n)), Ok(feed)) if feed.items.len() == *n => {}
            (Some(Expected::Items(n)), _) => {
                problems.push(format!("{file}: expected {n} items, got {}", summary(&result)));
            }
            (None, Ok(feed)) => {
                let expected = counts.get(file.as_str()).copied();
                if feed.items.is_empty() || expected.is_some_and(|n| n != feed.items.len()) {
                    problems
                        .push(format!("{file}: manifest says {expected:?} items, got {}", feed.items.len()));
                }
                assert_clean(file, feed);
            }
            (None, Err(e)) => problems.push(format!("{file}: {}", e.reason)),
        }
    }
    for (name, _, why) in EXCEPTIONS {
        assert!(files.iter().any(|f| f == name), "exception for a missing file {name} ({why})");
    }
    assert!(
        problems.is_empty(),
        "{} of {} feeds misread:\n{}",
        problems.len(),
        files.len(),
        problems.join("\n")
    );
}

/// Every body of every real feed, sanitised and stripped as import stores it, reads as the same
/// text by the scan ingest, search and lists use as by parsing it again: so the fingerprints
/// and index entries made from it are what they were when the text came from a parse.
#[test]
fn the_text_of_every_stored_body_reads_the_same_by_scan_as_by_parse() {
    let Some(corpus) = corpus() else { return };
    let feeds = corpus.join("feeds");
    let base = url::Url::parse("https://outlet.example/news/").unwrap();
    let (mut bodies, mut problems) = (0usize, Vec::new());
    for file in feed_files(&feeds) {
        let Ok(feed) = parse_feed(&std::fs::read(feeds.join(&file)).unwrap(), None) else { continue };
        for item in &feed.items {
            for html in [&item.content_html, &item.summary_html].into_iter().flatten() {
                for base in [None, Some(&base)] {
                    let stored =
                        freewire_core::xml::strip_forbidden_chars(sanitize_html(html, base)).into_owned();
                    bodies += 1;
                    let (scanned, parsed) = (text_of_sanitised(&stored), html_to_text(&stored));
                    if scanned != parsed {
                        problems.push(format!(
                            "{file} {:?}:\n  scan:  {scanned:.300}\n  parse: {parsed:.300}",
                            item.guid
                        ));
                    }
                }
            }
        }
    }
    assert!(bodies > 1000, "expected the corpus's thousands of bodies, read {bodies}");
    assert!(
        problems.is_empty(),
        "{} of {bodies} bodies read differently:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn summary(result: &Result<ParsedFeed, ParseError>) -> String {
    match result {
        Ok(feed) => format!("{} items", feed.items.len()),
        Err(e) => format!("error {:?}", e.reason),
    }
}

#[test]
fn the_same_site_reads_the_same_in_atom_rss_and_json_feed() {
    let Some(corpus) = corpus() else { return };
    let read = |name: &str| {
        parse_feed(&std::fs::read(corpus.join("feeds/rsparser").join(name)).unwrap(), None).unwrap()
    };
    let (atom, rss, json) =
        (read("DaringFireball.atom"), read("DaringFireball.rss"), read("DaringFireball.json"));
    assert_eq!(atom.title, json.title);
    assert_eq!(atom.items.len(), json.items.len());
    let titles = |feed: &ParsedFeed| feed.items.iter().map(|i| i.title.clone()).collect::<Vec<_>>();
    assert_eq!(titles(&atom), titles(&json));
    // The ".rss" file is the site's Atom feed too, fetched a year earlier.
    assert_eq!(rss.title, atom.title);
    assert!(rss.items.iter().all(|i| !i.title.is_empty() && i.link.is_some()));
    // Links are not compared: for a linked-list post the site's Atom calls the linked page
    // "alternate" and its own page "related", while its JSON Feed has its own page as `url`.
}

#[test]
fn declared_legacy_encodings_and_byte_order_marks_decode_to_the_right_text() {
    let Some(corpus) = corpus() else { return };
    let hostile = corpus.join("hostile");
    let read = |name: &str| parse_feed(&std::fs::read(hostile.join(name)).unwrap(), None).unwrap();
    let titles = |feed: &ParsedFeed| feed.items.iter().map(|i| i.title.clone()).collect::<Vec<_>>();

    let cyrillic = read("windows-1251.xml");
    assert_eq!(cyrillic.title.as_deref(), Some("Лента новостей"));
    assert_eq!(
        titles(&cyrillic),
        [
            "Новости дня",
            "Съешь же ещё этих мягких французских булок, да выпей чаю",
            "Привет, мир! Ёлка, щука, объём, подъезд"
        ]
    );

    let bom = read("bom-utf8.xml");
    assert_eq!(titles(&bom), ["Café – naïve – Zürich"]);
    assert!(strings(&bom).iter().all(|s| !s.contains('\u{FEFF}')), "the BOM leaked into a value");

    assert_eq!(titles(&read("bom-utf16le.xml")), ["日本語のタイトル – Ελληνικά – עברית"]);
    assert_eq!(titles(&read("bom-mismatch.xml")), ["Café – €100"], "the BOM outranks the declaration");
}

#[test]
fn invalid_utf8_becomes_replacement_characters_and_never_markup() {
    let Some(corpus) = corpus() else { return };
    let feed = parse_feed(&std::fs::read(corpus.join("hostile/invalid-utf8.xml")).unwrap(), None).unwrap();
    assert_eq!(feed.items.len(), 9);
    assert!(feed.items[0].title.contains("café"), "{:?}", feed.items[0].title);
    for s in strings(&feed) {
        assert!(!s.to_ascii_lowercase().contains("<script"), "markup from an overlong sequence: {s:?}");
    }
    for item in &feed.items[1..] {
        // Each title names its case, then a colon, then the bad bytes between ASCII letters.
        let (_, sample) = item.title.rsplit_once(": ").unwrap();
        assert!(sample.contains('\u{FFFD}'), "no U+FFFD where bytes were bad: {:?}", item.title);
        assert!(!sample.contains(['<', '>', '/']), "an overlong sequence became ASCII: {:?}", item.title);
    }
}

/// Every string a parsed feed holds.
fn strings(feed: &ParsedFeed) -> Vec<&str> {
    let mut all: Vec<&str> =
        [&feed.title, &feed.link, &feed.language].into_iter().filter_map(|s| s.as_deref()).collect();
    for item in &feed.items {
        all.extend([item.guid.as_str(), item.title.as_str()]);
        all.extend(
            [&item.link, &item.author, &item.summary_html, &item.content_html, &item.language]
                .into_iter()
                .filter_map(|s| s.as_deref()),
        );
    }
    all
}

/// Nothing XML forbids, nothing from the local file system, no entity expansion.
fn assert_clean(name: &str, feed: &ParsedFeed) {
    for s in strings(feed) {
        assert!(!s.contains("root:x:0:0"), "{name}: /etc/passwd leaked: {s:.80}");
        assert!(!s.contains(&"lol".repeat(100)), "{name}: an entity was expanded: {s:.80}");
        assert!(!s.contains(&"a".repeat(10_000)), "{name}: an entity was expanded");
        assert!(
            !s.chars().any(|c| c == '\0' || c == '\u{FFFE}' || c == '\u{FFFF}'),
            "{name}: a character XML forbids reached the output: {s:?}"
        );
    }
}

/// Parses a document and says how long it took.
fn timed(bytes: &[u8]) -> (Result<ParsedFeed, ParseError>, Duration) {
    let started = Instant::now();
    let result = parse_feed(bytes, None);
    (result, started.elapsed())
}

/// Runs one of the corpus's generator scripts into `out`; `None` (after saying so) when Python
/// is not there outside CI.
fn generate(corpus: &Path, script: &str, args: &[&str], out: &Path) -> Option<Vec<u8>> {
    let status = Command::new("python3")
        .arg(corpus.join("hostile").join(script))
        .args(args)
        .arg("-o")
        .arg(out)
        .status();
    match status {
        Ok(status) => {
            assert!(status.success(), "{script} {args:?} failed: {status}");
            Some(std::fs::read(out).unwrap())
        }
        Err(e) => {
            assert!(!freewire_store::testing::is_ci(), "python3 is needed to run {script}: {e}");
            eprintln!("skipping {script}: python3 did not start ({e})");
            None
        }
    }
}

#[test]
fn hostile_dtds_external_entities_and_forbidden_characters_end_fast_and_leak_nothing() {
    let Some(corpus) = corpus() else { return };
    // Anything that tries to fetch from the bait port would connect here.
    let bait = match TcpListener::bind(("127.0.0.1", BAIT_PORT)) {
        Ok(listener) => {
            listener.set_nonblocking(true).unwrap();
            Some(listener)
        }
        Err(e) => {
            eprintln!("port {BAIT_PORT} is taken ({e}): not checking for fetches");
            None
        }
    };
    let temp = tempfile::tempdir().unwrap();
    let mut inputs: Vec<(String, Vec<u8>)> = [
        "billion-laughs.xml",
        "entity-recursion.xml",
        "entity-with-markup.xml",
        "xxe-file-passwd.xml",
        "xxe-parameter-entity.xml",
        "xxe-external-dtd.xml",
        "xinclude-file.xml",
        "invalid-xml-chars.xml",
    ]
    .iter()
    .map(|name| ((*name).to_owned(), std::fs::read(corpus.join("hostile").join(name)).unwrap()))
    .collect();
    if let Some(bytes) = generate(&corpus, "gen-quadratic-blowup.py", &[], &temp.path().join("quadratic.xml"))
    {
        inputs.push(("gen-quadratic-blowup.py".to_owned(), bytes));
    }

    for (name, bytes) in &inputs {
        let (result, took) = timed(bytes);
        eprintln!("{name}: {} in {took:?}", summary(&result));
        assert!(took < Duration::from_secs(5), "{name} took {took:?}");
        match &result {
            Ok(feed) => assert_clean(name, feed),
            Err(e) => assert!(!e.reason.is_empty(), "{name}: an error without a reason"),
        }
    }
    if let Some(bait) = bait {
        match bait.accept() {
            Ok((_, peer)) => panic!("the parser connected to 127.0.0.1:{BAIT_PORT} from {peer}"),
            Err(e) => assert_eq!(e.kind(), ErrorKind::WouldBlock, "{e}"),
        }
    }
}

#[test]
fn entities_and_external_references_stay_text_and_the_feeds_still_parse() {
    let Some(corpus) = corpus() else { return };
    let read = |name: &str| parse_feed(&std::fs::read(corpus.join("hostile").join(name)).unwrap(), None);
    let laughs = read("billion-laughs.xml").unwrap();
    assert_eq!(laughs.items[0].title, "&lol9;", "an undeclared entity keeps its own text");
    let passwd = read("xxe-file-passwd.xml").unwrap();
    assert_eq!(passwd.items[0].title, "Leak: &xxe;");
    let markup = read("entity-with-markup.xml").unwrap();
    assert!(strings(&markup).iter().all(|s| !s.contains("<script")), "the entity became markup");
    assert_eq!(read("xxe-external-dtd.xml").unwrap().items[0].title, "Plain item");
    assert_eq!(read("xxe-parameter-entity.xml").unwrap().items.len(), 1);

    let chars = read("invalid-xml-chars.xml").unwrap();
    assert_eq!(chars.items[0].title, "raw NUL here:: and raw 0x01:: and 0x1B::");
    assert_eq!(chars.items[1].title, "references: \u{FFFD} \u{FFFD} \u{FFFD}");
}

#[test]
fn deep_nesting_is_refused_or_handled_without_overflowing_the_stack() {
    let Some(corpus) = corpus() else { return };
    let temp = tempfile::tempdir().unwrap();
    for mode in ["xml", "html", "json", "unclosed"] {
        let out = temp.path().join(format!("deep-{mode}"));
        let Some(bytes) = generate(&corpus, "gen-deep-nesting.py", &["--mode", mode], &out) else { return };
        let (result, took) = timed(&bytes);
        eprintln!("deep nesting, {mode}: {} in {took:?}", summary(&result));
        assert!(took < Duration::from_secs(20), "{mode} took {took:?}");
        match (mode, &result) {
            ("xml" | "unclosed", Err(e)) => {
                assert!(e.reason.contains("nested deeper than 256"), "{}", e.reason);
            }
            // Escaped markup is text to the feed parser; nested arrays in an unknown JSON Feed
            // member are skipped without recursion (or refused at serde_json's limit).
            ("html" | "json", Ok(feed)) => assert_eq!(feed.items.len(), 1),
            ("json", Err(e)) => assert!(e.reason.contains("recursion limit"), "{}", e.reason),
            _ => panic!("deep nesting, {mode}: unexpected {}", summary(&result)),
        }
    }
}

#[test]
fn ten_thousand_items_are_all_read_repeated_guids_included() {
    let Some(corpus) = corpus() else { return };
    let temp = tempfile::tempdir().unwrap();
    for (args, unique) in [(&[][..], 10_000), (&["--dup-every", "10"][..], 9_000)] {
        let out = temp.path().join("many.xml");
        let Some(bytes) = generate(&corpus, "gen-many-items.py", args, &out) else { return };
        let (result, took) = timed(&bytes);
        eprintln!("many items {args:?}: {} in {took:?}", summary(&result));
        assert!(took < Duration::from_secs(20), "{args:?} took {took:?}");
        let feed = result.unwrap();
        assert_eq!(feed.items.len(), 10_000);
        let guids: HashSet<&str> = feed.items.iter().map(|i| i.guid.as_str()).collect();
        assert_eq!(guids.len(), unique, "repeated guids are kept for the importer to deduplicate");
    }
}

#[test]
fn a_fifty_mebibyte_feed_parses_or_is_refused_for_its_size() {
    let Some(corpus) = corpus() else { return };
    let temp = tempfile::tempdir().unwrap();
    let Some(bytes) = generate(&corpus, "gen-large-feed.py", &[], &temp.path().join("large.xml")) else {
        return;
    };
    let (result, took) = timed(&bytes);
    eprintln!("50 MiB feed: {} in {took:?}", summary(&result));
    assert!(took < Duration::from_mins(1), "took {took:?}");
    match result {
        Ok(feed) => assert_eq!(feed.items.len(), 24_630),
        Err(e) => assert!(bytes.len() > MAX_FEED_BYTES_PARSED, "refused below the size cap: {}", e.reason),
    }
}
