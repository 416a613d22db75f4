//! Site settings: the [`SettingStore`] part of [`SqlStore`], over the `settings` table.

use async_trait::async_trait;
use freewire_core::{SettingStore, StoreError};
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait;

use super::{SqlStore, corrupt, db_err};
use crate::entity::setting;

#[async_trait]
impl SettingStore for SqlStore {
    async fn setting_by_key(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(setting::Entity::find_by_id(key.to_owned())
            .one(&self.db)
            .await
            .map_err(db_err("reading a setting"))?
            .map(|row| row.value))
    }

    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        setting::Entity::insert(setting::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(value.to_owned()),
        })
        .on_conflict_do_nothing()
        .exec_without_returning(&self.db)
        .await
        .map_err(db_err("storing a setting"))?;
        self.setting_by_key(key)
            .await?
            .ok_or_else(|| corrupt("storing a setting", format!("{key} vanished after insert")))
    }
}
