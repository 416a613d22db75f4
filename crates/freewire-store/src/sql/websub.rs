//! WebSub: the [`WebSubStore`] part of [`SqlStore`], over `websub_subscriptions`,
//! `websub_deliveries` and `websub_feed_subscriptions`. The hub's position in the change
//! sequence is one row of `settings`, moved by compare-and-set.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use freewire_core::model::FeedId;
use freewire_core::store::{
    FeedSubscription, FeedSubscriptionState, HubDelivery, HubDeliveryRecord, HubSubscription,
    NewFeedSubscription, NewHubSubscription,
};
use freewire_core::{StoreError, WebSubStore};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, ExprTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

use super::{SqlStore, corrupt, db_err, ts};
use crate::entity::{setting, websub_delivery, websub_feed_subscription, websub_subscription};

/// The `settings` key holding the hub's position in the change sequence.
const POSITION_KEY: &str = "websub.hub_position";

fn hub_from(row: websub_subscription::Model) -> HubSubscription {
    HubSubscription {
        id: row.id,
        topic: row.topic,
        callback: row.callback,
        secret: row.secret,
        lease_seconds: row.lease_seconds,
        expires_at: row.expires_at,
        created_at: row.created_at,
    }
}

fn feed_subscription_from(row: websub_feed_subscription::Model) -> Result<FeedSubscription, StoreError> {
    Ok(FeedSubscription {
        feed_id: FeedId(row.feed_id),
        state: FeedSubscriptionState::parse(&row.state).ok_or_else(|| {
            corrupt("reading a WebSub subscription", format!("unknown state {:?}", row.state))
        })?,
        hub: row.hub,
        topic: row.topic,
        token: row.token,
        secret: row.secret,
        lease_seconds: row.lease_seconds,
        expires_at: row.expires_at,
        renew_at: row.renew_at,
        verified_at: row.verified_at,
        last_push_at: row.last_push_at,
        last_error: row.last_error,
    })
}

impl SqlStore {
    async fn feed_subscription_row(
        &self,
        feed: FeedId,
    ) -> Result<websub_feed_subscription::ActiveModel, StoreError> {
        websub_feed_subscription::Entity::find_by_id(feed.0)
            .one(&self.db)
            .await
            .map_err(db_err("reading a WebSub subscription"))?
            .map(IntoActiveModel::into_active_model)
            .ok_or_else(|| StoreError::Missing(format!("WebSub subscription of feed {feed}")))
    }
}

#[async_trait]
impl WebSubStore for SqlStore {
    async fn upsert_hub_subscription(&self, new: NewHubSubscription) -> Result<HubSubscription, StoreError> {
        let at = ts(new.verified_at);
        let expires = ts(new.verified_at + chrono::Duration::seconds(new.lease_seconds));
        websub_subscription::Entity::insert(websub_subscription::ActiveModel {
            topic: Set(new.topic.clone()),
            callback: Set(new.callback.clone()),
            secret: Set(new.secret),
            lease_seconds: Set(new.lease_seconds),
            expires_at: Set(expires),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([websub_subscription::Column::Topic, websub_subscription::Column::Callback])
                .update_columns([
                    websub_subscription::Column::Secret,
                    websub_subscription::Column::LeaseSeconds,
                    websub_subscription::Column::ExpiresAt,
                    websub_subscription::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await
        .map_err(db_err("storing a WebSub subscription"))?;
        self.hub_subscription(&new.topic, &new.callback)
            .await?
            .ok_or_else(|| corrupt("storing a WebSub subscription", "the row vanished after the insert"))
    }

    async fn hub_subscription(
        &self,
        topic: &str,
        callback: &str,
    ) -> Result<Option<HubSubscription>, StoreError> {
        Ok(websub_subscription::Entity::find()
            .filter(websub_subscription::Column::Topic.eq(topic))
            .filter(websub_subscription::Column::Callback.eq(callback))
            .one(&self.db)
            .await
            .map_err(db_err("reading a WebSub subscription"))?
            .map(hub_from))
    }

    async fn delete_hub_subscription(&self, topic: &str, callback: &str) -> Result<bool, StoreError> {
        let done = websub_subscription::Entity::delete_many()
            .filter(websub_subscription::Column::Topic.eq(topic))
            .filter(websub_subscription::Column::Callback.eq(callback))
            .exec(&self.db)
            .await
            .map_err(db_err("removing a WebSub subscription"))?;
        Ok(done.rows_affected > 0)
    }

    async fn delete_hub_subscription_by_id(&self, id: i64) -> Result<(), StoreError> {
        websub_subscription::Entity::delete_by_id(id)
            .exec(&self.db)
            .await
            .map_err(db_err("removing a WebSub subscription"))?;
        Ok(())
    }

    async fn enqueue_hub_deliveries(&self, topics: &[String], now: DateTime<Utc>) -> Result<u64, StoreError> {
        if topics.is_empty() {
            return Ok(0);
        }
        let txn = self.db.begin().await.map_err(db_err("queueing WebSub deliveries"))?;
        let subscriptions: Vec<i64> = websub_subscription::Entity::find()
            .select_only()
            .column(websub_subscription::Column::Id)
            .filter(websub_subscription::Column::Topic.is_in(topics.iter().map(String::as_str)))
            .filter(websub_subscription::Column::ExpiresAt.gt(ts(now)))
            .into_tuple()
            .all(&txn)
            .await
            .map_err(db_err("reading WebSub subscriptions"))?;
        if subscriptions.is_empty() {
            return Ok(0);
        }
        let queued: Vec<i64> = websub_delivery::Entity::find()
            .select_only()
            .column(websub_delivery::Column::SubscriptionId)
            .filter(websub_delivery::Column::SubscriptionId.is_in(subscriptions.iter().copied()))
            .filter(websub_delivery::Column::GaveUpAt.is_null())
            .into_tuple()
            .all(&txn)
            .await
            .map_err(db_err("reading queued WebSub deliveries"))?;
        let mut added = 0;
        for id in subscriptions.into_iter().filter(|id| !queued.contains(id)) {
            websub_delivery::ActiveModel {
                subscription_id: Set(id),
                attempts: Set(0),
                next_try_at: Set(ts(now)),
                created_at: Set(ts(now)),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(db_err("queueing a WebSub delivery"))?;
            added += 1;
        }
        txn.commit().await.map_err(db_err("queueing WebSub deliveries"))?;
        Ok(added)
    }

    async fn claim_due_hub_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: u64,
        until: DateTime<Utc>,
    ) -> Result<Vec<HubDelivery>, StoreError> {
        let due = websub_delivery::Entity::find()
            .filter(websub_delivery::Column::GaveUpAt.is_null())
            .filter(websub_delivery::Column::NextTryAt.lte(ts(now)))
            .order_by_asc(websub_delivery::Column::NextTryAt)
            .order_by_asc(websub_delivery::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(db_err("reading due WebSub deliveries"))?;
        let mut claimed = Vec::with_capacity(due.len());
        for row in due {
            // Compare-and-set on the time it was due: of several processes, one takes it.
            let taken = websub_delivery::Entity::update_many()
                .col_expr(websub_delivery::Column::NextTryAt, Expr::value(ts(until)))
                .filter(websub_delivery::Column::Id.eq(row.id))
                .filter(websub_delivery::Column::NextTryAt.eq(row.next_try_at))
                .exec(&self.db)
                .await
                .map_err(db_err("claiming a WebSub delivery"))?;
            if taken.rows_affected == 0 {
                continue;
            }
            let Some(subscription) = websub_subscription::Entity::find_by_id(row.subscription_id)
                .one(&self.db)
                .await
                .map_err(db_err("reading a WebSub subscription"))?
            else {
                continue;
            };
            if subscription.expires_at <= ts(now) {
                // The lease ended while content waited: nothing more is owed.
                self.finish_hub_delivery(row.id).await?;
                continue;
            }
            claimed.push(HubDelivery {
                id: row.id,
                attempts: row.attempts,
                subscription: hub_from(subscription),
            });
        }
        Ok(claimed)
    }

    async fn finish_hub_delivery(&self, id: i64) -> Result<(), StoreError> {
        websub_delivery::Entity::delete_by_id(id)
            .exec(&self.db)
            .await
            .map_err(db_err("finishing a WebSub delivery"))?;
        Ok(())
    }

    async fn retry_hub_delivery(
        &self,
        id: i64,
        next_try_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        websub_delivery::Entity::update_many()
            .col_expr(websub_delivery::Column::Attempts, Expr::col(websub_delivery::Column::Attempts).add(1))
            .col_expr(websub_delivery::Column::NextTryAt, Expr::value(ts(next_try_at)))
            .col_expr(websub_delivery::Column::LastError, Expr::value(error.to_owned()))
            .filter(websub_delivery::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .map_err(db_err("rescheduling a WebSub delivery"))?;
        Ok(())
    }

    async fn give_up_hub_delivery(&self, id: i64, at: DateTime<Utc>, error: &str) -> Result<(), StoreError> {
        websub_delivery::Entity::update_many()
            .col_expr(websub_delivery::Column::Attempts, Expr::col(websub_delivery::Column::Attempts).add(1))
            .col_expr(websub_delivery::Column::GaveUpAt, Expr::value(ts(at)))
            .col_expr(websub_delivery::Column::LastError, Expr::value(error.to_owned()))
            .filter(websub_delivery::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .map_err(db_err("giving up a WebSub delivery"))?;
        Ok(())
    }

    async fn list_hub_deliveries(&self) -> Result<Vec<HubDeliveryRecord>, StoreError> {
        Ok(websub_delivery::Entity::find()
            .order_by_asc(websub_delivery::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err("listing WebSub deliveries"))?
            .into_iter()
            .map(|row| HubDeliveryRecord {
                id: row.id,
                subscription_id: row.subscription_id,
                attempts: row.attempts,
                next_try_at: row.next_try_at,
                last_error: row.last_error,
                gave_up_at: row.gave_up_at,
            })
            .collect())
    }

    async fn hub_position(&self) -> Result<Option<i64>, StoreError> {
        let Some(row) = setting::Entity::find_by_id(POSITION_KEY.to_owned())
            .one(&self.db)
            .await
            .map_err(db_err("reading the WebSub position"))?
        else {
            return Ok(None);
        };
        row.value
            .parse()
            .map(Some)
            .map_err(|e| corrupt("reading the WebSub position", format!("{:?}: {e}", row.value)))
    }

    async fn advance_hub_position(&self, from: Option<i64>, to: i64) -> Result<bool, StoreError> {
        match from {
            None => {
                let done = setting::Entity::insert(setting::ActiveModel {
                    key: Set(POSITION_KEY.to_owned()),
                    value: Set(to.to_string()),
                })
                .on_conflict_do_nothing()
                .exec_without_returning(&self.db)
                .await
                .map_err(db_err("storing the WebSub position"))?;
                Ok(matches!(done, sea_orm::TryInsertResult::Inserted(n) if n > 0))
            }
            Some(from) => {
                let done = setting::Entity::update_many()
                    .col_expr(setting::Column::Value, Expr::value(to.to_string()))
                    .filter(setting::Column::Key.eq(POSITION_KEY))
                    .filter(setting::Column::Value.eq(from.to_string()))
                    .exec(&self.db)
                    .await
                    .map_err(db_err("moving the WebSub position"))?;
                Ok(done.rows_affected > 0)
            }
        }
    }

    async fn feed_subscription(&self, feed: FeedId) -> Result<Option<FeedSubscription>, StoreError> {
        websub_feed_subscription::Entity::find_by_id(feed.0)
            .one(&self.db)
            .await
            .map_err(db_err("reading a WebSub subscription"))?
            .map(feed_subscription_from)
            .transpose()
    }

    async fn upsert_feed_subscription(
        &self,
        new: NewFeedSubscription,
    ) -> Result<FeedSubscription, StoreError> {
        let now = ts(Utc::now());
        websub_feed_subscription::Entity::insert(websub_feed_subscription::ActiveModel {
            feed_id: Set(new.feed_id.0),
            hub: Set(new.hub),
            topic: Set(new.topic),
            token: Set(new.token),
            secret: Set(new.secret),
            state: Set(FeedSubscriptionState::Pending.as_str().to_owned()),
            lease_seconds: Set(None),
            expires_at: Set(None),
            renew_at: Set(ts(new.renew_at)),
            verified_at: Set(None),
            last_push_at: Set(None),
            last_error: Set(None),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(websub_feed_subscription::Column::FeedId)
                .update_columns([
                    websub_feed_subscription::Column::Hub,
                    websub_feed_subscription::Column::Topic,
                    websub_feed_subscription::Column::Token,
                    websub_feed_subscription::Column::Secret,
                    websub_feed_subscription::Column::State,
                    websub_feed_subscription::Column::LeaseSeconds,
                    websub_feed_subscription::Column::ExpiresAt,
                    websub_feed_subscription::Column::RenewAt,
                    websub_feed_subscription::Column::VerifiedAt,
                    websub_feed_subscription::Column::LastPushAt,
                    websub_feed_subscription::Column::LastError,
                ])
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await
        .map_err(db_err("storing a WebSub subscription"))?;
        self.feed_subscription(new.feed_id)
            .await?
            .ok_or_else(|| corrupt("storing a WebSub subscription", "the row vanished after the insert"))
    }

    async fn activate_feed_subscription(
        &self,
        feed: FeedId,
        lease_seconds: i64,
        at: DateTime<Utc>,
        renew_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut row = self.feed_subscription_row(feed).await?;
        row.state = Set(FeedSubscriptionState::Active.as_str().to_owned());
        row.lease_seconds = Set(Some(lease_seconds));
        row.expires_at = Set(Some(ts(at + chrono::Duration::seconds(lease_seconds))));
        row.verified_at = Set(Some(ts(at)));
        row.renew_at = Set(ts(renew_at));
        row.last_error = Set(None);
        row.update(&self.db).await.map_err(db_err("activating a WebSub subscription"))?;
        Ok(())
    }

    async fn defer_feed_subscription(&self, feed: FeedId, renew_at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut row = self.feed_subscription_row(feed).await?;
        row.renew_at = Set(ts(renew_at));
        row.update(&self.db).await.map_err(db_err("rescheduling a WebSub subscription"))?;
        Ok(())
    }

    async fn fail_feed_subscription(
        &self,
        feed: FeedId,
        retry_at: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), StoreError> {
        let mut row = self.feed_subscription_row(feed).await?;
        row.state = Set(FeedSubscriptionState::Failed.as_str().to_owned());
        row.renew_at = Set(ts(retry_at));
        row.last_error = Set(Some(reason.to_owned()));
        row.update(&self.db).await.map_err(db_err("recording a failed WebSub subscription"))?;
        Ok(())
    }

    async fn record_feed_push(&self, feed: FeedId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut row = self.feed_subscription_row(feed).await?;
        row.last_push_at = Set(Some(ts(at)));
        row.update(&self.db).await.map_err(db_err("recording a WebSub push"))?;
        Ok(())
    }

    async fn delete_feed_subscription(&self, feed: FeedId) -> Result<(), StoreError> {
        websub_feed_subscription::Entity::delete_by_id(feed.0)
            .exec(&self.db)
            .await
            .map_err(db_err("removing a WebSub subscription"))?;
        Ok(())
    }

    async fn feed_subscriptions_due(&self, now: DateTime<Utc>) -> Result<Vec<FeedSubscription>, StoreError> {
        websub_feed_subscription::Entity::find()
            .filter(websub_feed_subscription::Column::RenewAt.lte(ts(now)))
            .order_by_asc(websub_feed_subscription::Column::RenewAt)
            .all(&self.db)
            .await
            .map_err(db_err("reading WebSub subscriptions due"))?
            .into_iter()
            .map(feed_subscription_from)
            .collect()
    }
}
