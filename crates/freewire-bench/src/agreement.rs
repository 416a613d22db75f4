//! `freewire-bench agreement`: freewire's parser beside Python feedparser over a set of feed
//! documents, field by field (`freewire_ingest::agreement`, the same comparison the agreement
//! test makes). Speed is `parse`'s to measure, in a release build over a larger set.

use std::path::PathBuf;

use freewire_ingest::agreement::{documents, measure};

/// Compares over every XML document in `dirs` (one level of subfolders too) and returns the
/// figures as JSON, with the disagreements as a Markdown table when `table` is set.
pub fn run(python: &str, dirs: &[PathBuf], table: bool) -> anyhow::Result<String> {
    let m = measure(python, &documents(dirs)?).map_err(anyhow::Error::msg)?;
    let share = |t: &freewire_ingest::agreement::Tally| serde_json::json!({"fields": t.fields, "agreeing": t.agreeing, "share": t.share()});
    let mut report = serde_json::json!({
        "feedparser": m.feedparser,
        "documents": m.documents,
        "well_formed": share(&m.well_formed),
        "all": share(&m.all),
    })
    .to_string();
    if table {
        report.push('\n');
        report.push_str(&m.all.table(60));
    }
    Ok(report)
}
