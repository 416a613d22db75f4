//! Every sanitiser attack vector of the shared corpus (`corpus/xss/vectors.ndjson`, 470
//! payloads) stays inert after `sanitize_html`: judged by properties, as the corpus README
//! asks, on a re-parse of our output with a real HTML parser (html5ever, through `dom_query`).
#![expect(clippy::unwrap_used, reason = "a broken fixture should stop the test loudly")]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use freewire_ingest::sanitize_html;

#[path = "support/active_content.rs"]
mod active_content;

fn vectors() -> Option<Vec<serde_json::Value>> {
    let path =
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/xss/vectors.ndjson"));
    let Ok(text) = std::fs::read_to_string(&path) else {
        assert!(
            !freewire_store::testing::is_ci(),
            "{} is missing and CI=true forbids skipping",
            path.display()
        );
        eprintln!("skipping: no XSS corpus at {}", path.display());
        return None;
    };
    Some(text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect())
}

/// The judge the sanitiser's property tests and the fuzz targets use too.
fn problems_in(html: &str) -> Vec<String> {
    active_content::active_content(html)
}

#[test]
fn every_corpus_vector_is_inert_after_sanitising() {
    let Some(vectors) = vectors() else { return };
    assert!(vectors.len() >= 400, "the corpus has its 470 vectors");
    let base = url::Url::parse("https://outlet.example/news/story.html").unwrap();
    let mut failures = Vec::new();
    let started = Instant::now();
    for v in &vectors {
        let id = v["id"].as_str().unwrap_or("?");
        let payload = v["payload"].as_str().unwrap_or_default();
        let one = Instant::now();
        let out = sanitize_html(payload, Some(&base));
        assert!(one.elapsed() < Duration::from_secs(5), "{id} took {:?}", one.elapsed());
        for p in problems_in(&out) {
            failures.push(format!("{id}: {p}\n    in: {payload:.200}\n    out: {out:.300}"));
        }
        // No mutation XSS: our output, sanitised again, is unchanged.
        let again = sanitize_html(&out, Some(&base));
        if again != out {
            failures.push(format!(
                "{id}: not stable under re-sanitising\n    out: {out:.300}\n    again: {again:.300}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors are not inert:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
    eprintln!("{} vectors sanitised in {:?}", vectors.len(), started.elapsed());
}

#[test]
fn the_checker_itself_catches_what_it_looks_for() {
    // The property checks must be able to fail, or the corpus test proves nothing.
    assert!(!problems_in("<script>alert(1)</script>").is_empty());
    assert!(!problems_in("<a href=\" JaVa&#x09;script:alert(1)\">x</a>").is_empty());
    assert!(!problems_in("<img src=x onerror=alert(1)>").is_empty());
    assert!(!problems_in("<p style=\"behavior:url(x)\">x</p>").is_empty());
    assert!(problems_in("<p><a href=\"https://ok.example/\">ok</a></p>").is_empty());
}
