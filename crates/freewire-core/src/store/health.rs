//! [`HealthStore`]: how the store itself is doing, for `/readyz` and `/metrics`.

use async_trait::async_trait;

use super::StoreError;

/// The connection pool at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStatus {
    /// Connections open.
    pub open: u32,
    /// Open and waiting for work.
    pub idle: u32,
    /// The most it opens.
    pub max: u32,
}

/// The store's own state.
#[async_trait]
pub trait HealthStore: Send + Sync {
    /// One round trip to the database.
    async fn ping(&self) -> Result<(), StoreError>;
    /// The connection pool now.
    fn pool_status(&self) -> PoolStatus;
}
