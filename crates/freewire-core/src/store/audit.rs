//! [`AuditStore`]: the audit log, the record of what editors and administrators did. Acts
//! that change other aggregates (a withdrawal, a moderation) are recorded by those calls in
//! their own transaction; this trait records acts that stand alone and reads the log.

use async_trait::async_trait;

use super::StoreError;
use crate::model::{AuditEntry, NewAuditEntry, Page, PageRequest};

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Records an act in the audit log.
    async fn insert_audit(&self, entry: NewAuditEntry) -> Result<(), StoreError>;
    /// The audit log, newest first.
    async fn list_audit(&self, page: PageRequest) -> Result<Page<AuditEntry>, StoreError>;
}
