//! [`SettingStore`]: the site's settings, one value per key (secrets made at first start,
//! choices an administrator makes).

use async_trait::async_trait;

use super::StoreError;

/// Site settings, behind atomic calls.
#[async_trait]
pub trait SettingStore: Send + Sync {
    /// A site setting.
    async fn setting_by_key(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Stores `value` under `key` unless a value is there already, and returns the value that
    /// is kept; several processes starting at once agree on one value.
    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError>;
}
