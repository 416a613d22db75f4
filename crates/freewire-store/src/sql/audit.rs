//! The audit log: the [`AuditStore`] part of [`SqlStore`], and [`audit_row`], by which calls
//! of other aggregates record their act in their own transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use freewire_core::model::{AuditEntry, NewAuditEntry, Page, PageRequest, UserId};
use freewire_core::{AuditStore, StoreError};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::{SqlStore, db_err, ts};
use crate::entity::{audit, user};

/// A row of the audit log for `entry`, done at `at`.
pub(super) fn audit_row(entry: NewAuditEntry, at: DateTime<Utc>) -> audit::ActiveModel {
    audit::ActiveModel {
        at: Set(ts(at)),
        actor_id: Set(entry.actor_id.0),
        action: Set(entry.action),
        target: Set(entry.target),
        detail: Set(entry.detail),
        ..Default::default()
    }
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn insert_audit(&self, entry: NewAuditEntry) -> Result<(), StoreError> {
        audit_row(entry, Utc::now()).insert(&self.db).await.map_err(db_err("recording an act"))?;
        Ok(())
    }

    async fn list_audit(&self, page: PageRequest) -> Result<Page<AuditEntry>, StoreError> {
        let total = audit::Entity::find().count(&self.db).await.map_err(db_err("counting the audit log"))?;
        let rows = audit::Entity::find()
            .order_by_desc(audit::Column::At)
            .order_by_desc(audit::Column::Id)
            .offset(page.offset())
            .limit(page.size)
            .all(&self.db)
            .await
            .map_err(db_err("reading the audit log"))?;
        let ids: Vec<i64> = rows.iter().map(|r| r.actor_id).collect();
        let names: HashMap<i64, String> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::Username)
            .filter(user::Column::Id.is_in(ids))
            .into_tuple::<(i64, String)>()
            .all(&self.db)
            .await
            .map_err(db_err("reading actors"))?
            .into_iter()
            .collect();
        let items = rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: r.at,
                actor_id: UserId(r.actor_id),
                actor: if r.actor_id == UserId::OPERATOR.0 {
                    "operator (command line)".to_owned()
                } else {
                    names.get(&r.actor_id).cloned().unwrap_or_else(|| format!("user {}", r.actor_id))
                },
                action: r.action,
                target: r.target,
                detail: r.detail,
            })
            .collect();
        Ok(Page { items, number: page.number, size: page.size, total })
    }
}
