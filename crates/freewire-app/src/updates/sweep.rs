//! The upload storage's clean-up, run when `serve` starts: objects that no update holds and
//! temporary files of writes cut short are removed, once older than a grace period.
//!
//! Posting stores a file's object before the update's row, and removes the object when the
//! row is not stored; a process killed in between (or mid-write) cannot, and leaves an object
//! nothing refers to, or a temporary file. The grace period spares what another process
//! sharing the storage is writing now: its object is younger than that until its row commits.

use chrono::{DateTime, Duration, Utc};
use freewire_core::{BlobStore, Store};

use crate::AppError;
use crate::updates::files::OBJECT_FOLDER;

/// What a sweep removed and kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Objects no attachment uses, removed: their keys.
    pub orphans: Vec<String>,
    /// Temporary files of unfinished writes, removed: their names.
    pub unfinished: Vec<String>,
    /// Objects looked at (older than the grace period) and kept, as attachments use them.
    pub kept: usize,
    /// Objects younger than the grace period, not looked at.
    pub young: usize,
}

/// Removes, from the upload storage, the objects under the updates' folder that no
/// attachment uses and the leftovers of unfinished writes, when last written more than
/// `grace` before `now`. Logs one line with what it did.
pub async fn sweep_storage(
    store: &dyn Store,
    blobs: &dyn BlobStore,
    grace: Duration,
    now: DateTime<Utc>,
) -> Result<SweepReport, AppError> {
    let before = now.checked_sub_signed(grace).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let unfinished = blobs.remove_unfinished(before).await?;
    let listed = blobs.list(OBJECT_FOLDER).await?;
    let (old, young): (Vec<_>, Vec<_>) = listed.into_iter().partition(|b| b.modified < before);
    let keys: Vec<String> = old.into_iter().map(|b| b.key).collect();
    let used = store.referenced_object_keys(&keys).await?;
    let mut orphans = Vec::new();
    for key in keys.iter().filter(|k| !used.contains(*k)) {
        blobs.delete(key).await?;
        orphans.push(key.clone());
    }
    let report = SweepReport { kept: keys.len() - orphans.len(), young: young.len(), orphans, unfinished };
    if report.orphans.is_empty() && report.unfinished.is_empty() {
        tracing::info!(kept = report.kept, young = report.young, "upload storage swept: nothing to remove");
    } else {
        tracing::warn!(
            orphans = report.orphans.len(),
            unfinished = report.unfinished.len(),
            kept = report.kept,
            young = report.young,
            "upload storage swept: removed files no update holds, left by uploads cut short"
        );
    }
    Ok(report)
}
