//! Importing a feed document from a file: parsed whole before anything is written, so a file
//! that is not a feed stores nothing, not even its source.

use std::path::Path;

use freewire_core::{Role, Store};
use freewire_ingest::{ImportError, ImportReport, SourceSpec};

use crate::{Actor, AppError};

/// Imports the feed document at `path` under the source `spec` names (created when missing).
/// Importing the same file again stores nothing new.
pub async fn import_file(
    store: &dyn Store,
    actor: Actor<'_>,
    path: &Path,
    spec: &SourceSpec,
) -> Result<ImportReport, AppError> {
    actor.require(Role::Editor, "Only editors can import feeds.")?;
    let report = freewire_ingest::import_file(store, path, spec).await.map_err(|e| match e {
        ImportError::Store(e) => AppError::Store(e),
        ImportError::Interrupted(_) => AppError::Internal(e.to_string()),
        e => AppError::Invalid(e.to_string()),
    })?;
    tracing::info!(
        actor = actor.name(),
        file = %path.display(),
        new = report.inserted.len(),
        known = report.duplicates,
        "feed file imported"
    );
    Ok(report)
}
