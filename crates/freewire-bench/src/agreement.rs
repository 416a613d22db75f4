//! `freewire-bench agreement`: freewire's parser beside Python feedparser over a set of feed
//! documents, field by field (`freewire_ingest::agreement`, the same comparison the agreement
//! test makes). Speed is `parse`'s to measure, in a release build over a larger set.

use std::path::{Path, PathBuf};
use std::process::Command;

use freewire_ingest::agreement::{Reference, Tally, compare};
use freewire_ingest::parse::parse_feed;
use url::Url;

const BASE: &str = "https://feeds.example/corpus";

/// Compares over every XML document in `dirs` (one level of subfolders too) and returns the
/// figures as JSON, with the disagreements as a Markdown table when `table` is set.
pub fn run(python: &str, dirs: &[PathBuf], table: bool) -> anyhow::Result<String> {
    let files = documents(dirs)?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench/feedparser_fields.py");
    let out = Command::new(python).arg(script).arg(BASE).args(&files).output()?;
    anyhow::ensure!(
        out.status.success(),
        "feedparser_fields.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference: Reference = serde_json::from_slice(&out.stdout)?;
    let (mut well_formed, mut all) = (Tally::default(), Tally::default());
    for doc in &reference.documents {
        let bytes = std::fs::read(&doc.file)?;
        let name = Path::new(&doc.file).file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let location = Url::parse(&format!("{BASE}/{name}"))?;
        let tally = compare(doc, parse_feed(&bytes, Some(&location)).as_ref());
        if !doc.bozo {
            well_formed.add(tally.clone());
        }
        all.add(tally);
    }
    let mut report = serde_json::json!({
        "feedparser": reference.feedparser,
        "documents": reference.documents.len(),
        "well_formed": {"fields": well_formed.fields, "agreeing": well_formed.agreeing, "share": well_formed.share()},
        "all": {"fields": all.fields, "agreeing": all.agreeing, "share": all.share()},
    })
    .to_string();
    if table {
        report.push('\n');
        report.push_str(&all.table(60));
    }
    Ok(report)
}

fn documents(dirs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                for inner in std::fs::read_dir(&path)? {
                    files.push(inner?.path());
                }
            } else {
                files.push(path);
            }
        }
    }
    files.retain(|f| {
        f.is_file() && !matches!(f.extension().and_then(|e| e.to_str()).unwrap_or(""), "json" | "md" | "py")
    });
    files.sort();
    Ok(files)
}
