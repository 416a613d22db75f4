//! freewire's reading of feeds beside Python feedparser's, field by field, over the shared corpus
//! of real feeds and our own documents for every format and encoding (`tests/fixtures/formats`).
//! Agreement on well-formed documents must not fall below [`FLOOR`], and every field on which the
//! two readers still differ must be explained in `docs/feedparser.md` (file and field), saying who
//! is right and why.
//!
//! Needs a Python with feedparser (`FREEWIRE_TEST_PYTHON`, set by `.ci/run`) and the shared corpus
//! beside the repository; without either the test skips with a note, and under `CI=true` fails.
#![expect(clippy::unwrap_used, reason = "a test fails loudly on a broken fixture")]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use freewire_ingest::agreement::{documents, measure};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// Agreement on well-formed documents when the differences left were all explained (97.93 %):
/// the rest is where feedparser is wrong or freewire differs on purpose (`docs/feedparser.md`).
const FLOOR: f64 = 0.979;

fn python() -> Option<String> {
    let candidate = std::env::var("FREEWIRE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&candidate).args(["-c", "import feedparser"]).status().is_ok_and(|s| s.success());
    ok.then_some(candidate)
}

/// The shared corpus's feeds and our own format documents, or `None` (after saying so) when the
/// corpus is absent outside CI.
fn folders() -> Option<Vec<PathBuf>> {
    let root = Path::new(ROOT);
    let shared = root.join("../shared/corpus/feeds");
    if !shared.is_dir() {
        assert!(
            !freewire_store::testing::is_ci(),
            "the shared corpus is missing at {} (CI=true requires it)",
            shared.display()
        );
        eprintln!("skipping: no shared corpus at {}", shared.display());
        return None;
    }
    Some(vec![shared, root.join("crates/freewire-ingest/tests/fixtures/formats")])
}

/// The (file name, field) pairs explained in `docs/feedparser.md`'s table of differences.
fn explained() -> BTreeSet<(String, String)> {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("docs/feedparser.md")).unwrap();
    doc.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // | `file` | field | … |
            let file = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((file.to_owned(), (*cells.get(2)?).to_owned()))
        })
        .collect()
}

#[test]
fn freewire_reads_feeds_as_feedparser_does() {
    let Some(folders) = folders() else { return };
    let Some(python) = python() else {
        assert!(
            !freewire_store::testing::is_ci(),
            "CI must provide Python with feedparser (FREEWIRE_TEST_PYTHON)"
        );
        eprintln!("skipping: no Python with feedparser; set FREEWIRE_TEST_PYTHON");
        return;
    };
    let m = measure(&python, &documents(&folders).unwrap()).unwrap();
    let (well_formed, all) = (&m.well_formed, &m.all);
    eprintln!(
        "feedparser {}: {} documents; well-formed: {}/{} fields agree ({:.2} %); all: {}/{} ({:.2} %)",
        m.feedparser,
        m.documents,
        well_formed.agreeing,
        well_formed.fields,
        well_formed.share() * 100.0,
        all.agreeing,
        all.fields,
        all.share() * 100.0
    );
    eprintln!("{}", all.table(60));
    assert!(
        well_formed.share() >= FLOOR,
        "agreement with feedparser on well-formed documents fell to {:.2} %",
        well_formed.share() * 100.0
    );
    let explained = explained();
    let unexplained: BTreeSet<(String, &str)> = all
        .disagreements
        .iter()
        .map(|d| (d.file.clone(), d.field))
        .filter(|(file, field)| !explained.contains(&(file.clone(), (*field).to_owned())))
        .collect();
    assert!(
        unexplained.is_empty(),
        "differences from feedparser not explained in docs/feedparser.md: {unexplained:?}"
    );
}
