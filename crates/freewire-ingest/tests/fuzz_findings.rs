//! Every input that fuzzing (`fuzz/`, `scripts/fuzz.sh`) or the sanitiser's property tests
//! found to break something, replayed through the very steps of the fuzz target that found it
//! (`support/pipelines.rs`). A finding is a file under `tests/fixtures/fuzz/TARGET/`, named
//! for what it broke; the test for its target must return, in time, with its properties intact.
#![expect(clippy::unwrap_used, reason = "a broken fixture should stop the test loudly")]

#[path = "support/active_content.rs"]
mod active_content;
#[path = "support/pipelines.rs"]
mod pipelines;

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The fuzzers' limit per input is one second of an optimised build; an unoptimised test
/// build is given ten.
const LIMIT: Duration = Duration::from_secs(if cfg!(debug_assertions) { 10 } else { 1 });

/// Runs every finding of `target` through `pipeline`, each within [`LIMIT`]; returns how many.
fn replay(target: &str, pipeline: fn(&[u8])) -> usize {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fuzz")).join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return 0 };
    let mut files: Vec<_> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_none_or(|ext| ext != "md"))
        .collect();
    files.sort();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let started = Instant::now();
        pipeline(&bytes);
        let took = started.elapsed();
        assert!(took < LIMIT, "{} took {took:?}, over {LIMIT:?}", path.display());
    }
    files.len()
}

#[test]
fn feed_findings_parse_sanitise_and_extract_in_time() {
    replay("feed", pipelines::feed);
}

#[test]
fn page_findings_extract_in_time_to_inert_fixed_points() {
    replay("page", pipelines::page);
}

#[test]
fn sanitize_findings_come_out_inert_and_as_fixed_points() {
    assert!(replay("sanitize", pipelines::sanitize) >= 7, "every finding so far is kept");
}

#[test]
fn deeply_nested_markup_is_sanitised_and_extracted_in_time() {
    // The `sanitize` target's seed of 3,000 nested <div> (from gen-deep-nesting.py's html
    // mode) ran past the fuzzer's one second: html5ever's work grows with depth times
    // elements. Too large for a fixture file, so it is made here, with the page around it.
    let divs = |n: usize| format!("{}deep text{}", "<div>".repeat(n), "</div>".repeat(n));
    for (pipeline, html) in [
        (pipelines::sanitize as fn(&[u8]), divs(3_000)),
        (pipelines::page, format!("<html><body><article>{}</article></body></html>", divs(3_000))),
    ] {
        let started = Instant::now();
        pipeline(html.as_bytes());
        let took = started.elapsed();
        assert!(took < LIMIT, "{} bytes took {took:?}, over {LIMIT:?}", html.len());
    }
}

#[test]
fn the_pipelines_fail_on_what_they_guard_against() {
    // A replay that cannot fail proves nothing: an output that is not inert must panic.
    let caught = std::panic::catch_unwind(|| {
        let problems = active_content::active_content("<a href=\"javascript:alert(1)\">x</a>");
        assert!(problems.is_empty(), "{problems:?}");
    });
    assert!(caught.is_err());
    pipelines::sanitize(b"<p>plain <a href=\"https://outlet.example/\">news</a></p>");
    pipelines::feed(
        b"<rss version=\"2.0\"><channel><item><description>x</description></item></channel></rss>",
    );
    pipelines::page(b"<html><body><p>short</p></body></html>");
}
