//! What processes on one database share: the [`CoordinationStore`] part of [`SqlStore`].
//!
//! Both calls that decide something are one statement, so two processes asking at once get
//! answers as if they had asked one after the other: SQLite has one writer; on PostgreSQL the
//! upsert locks the counter's row, and a slot taken by another transaction is skipped
//! (`FOR UPDATE SKIP LOCKED`), then checked again by the update itself.
//!
//! Written as SQL text rather than with the query builder: the counter's upsert reads the old
//! row in both of its `SET` expressions, which the builder can only spell as raw expressions
//! anyway. The text is the same on both engines but for the placeholders and the lock clause.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use freewire_core::{CoordinationStore, StoreError};
use sea_orm::{ConnectionTrait, Statement, Value};

use super::{SqlStore, db_err};
use crate::engine::Engine;

/// Milliseconds since 1970, the unit both tables keep time in.
fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn millis_of(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl SqlStore {
    /// Runs [`TAKE_SLOT`]: the slot taken, if one was free.
    async fn take_slot_row(&self, take: &str, values: Vec<Value>) -> Result<Option<u32>, StoreError> {
        let row = self
            .db
            .query_one_raw(self.statement(take, values))
            .await
            .map_err(db_err("taking a host's politeness slot"))?;
        let Some(row) = row else { return Ok(None) };
        let slot: i32 = row.try_get("", "slot").map_err(db_err("reading a politeness slot"))?;
        Ok(Some(slot.unsigned_abs()))
    }

    /// A statement for this engine from text written with `$1`-style placeholders (SQLite
    /// reads the same numbers as `?1`).
    fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        let backend = self.db.get_database_backend();
        let sql = match self.engine {
            Engine::Postgres => sql.to_owned(),
            Engine::Sqlite => sql.replace('$', "?"),
        };
        Statement::from_sql_and_values(backend, sql, values)
    }
}

/// Takes the lowest free slot. The inner select finds it; the outer condition repeats the test,
/// so a slot another process took between the two is not taken twice.
const TAKE_SLOT: &str = "UPDATE host_slots SET holder = $1, held_until_ms = $2 \
     WHERE host = $3 AND held_until_ms <= $5 AND slot = (\
       SELECT slot FROM host_slots WHERE host = $3 AND slot < $4 AND held_until_ms <= $5 \
       ORDER BY slot LIMIT 1 LOCK) \
     RETURNING slot";

/// The generic cell rate algorithm in one upsert: `tat_ms` is the time at which the key's
/// allowance is whole again; an attempt moves it on by `$3` (the interval) from whichever is
/// later, it or now, and is admitted when that lands no further than `$4` (burst × interval)
/// ahead of now. Both `SET` expressions read the old row.
const COUNT_ATTEMPT: &str = "INSERT INTO rate_limits (key, tat_ms, admitted) VALUES ($1, $2 + $3, 1) \
     ON CONFLICT (key) DO UPDATE SET \
       admitted = CASE WHEN (CASE WHEN rate_limits.tat_ms > $2 THEN rate_limits.tat_ms ELSE $2 END) + $3 - $2 <= $4 \
                  THEN 1 ELSE 0 END, \
       tat_ms = CASE WHEN (CASE WHEN rate_limits.tat_ms > $2 THEN rate_limits.tat_ms ELSE $2 END) + $3 - $2 <= $4 \
                  THEN (CASE WHEN rate_limits.tat_ms > $2 THEN rate_limits.tat_ms ELSE $2 END) + $3 \
                  ELSE rate_limits.tat_ms END \
     RETURNING tat_ms, admitted";

#[async_trait]
impl CoordinationStore for SqlStore {
    async fn take_host_slot(
        &self,
        host: &str,
        capacity: u32,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<u32>, StoreError> {
        let capacity = capacity.max(1);
        let lock = match self.engine {
            Engine::Postgres => "FOR UPDATE SKIP LOCKED",
            Engine::Sqlite => "",
        };
        let take = TAKE_SLOT.replace("LOCK", lock);
        let values = vec![
            holder.into(),
            millis(until).into(),
            host.into(),
            i32::try_from(capacity).unwrap_or(i32::MAX).into(),
            millis(now).into(),
        ];
        if let Some(slot) = self.take_slot_row(&take, values.clone()).await? {
            return Ok(Some(slot));
        }
        // None free: the host may be new (or the capacity raised), so its slots are made here
        // rather than before every request, and the take is tried once more (another process
        // may have made them between the two statements).
        let rows: Vec<String> = (0..capacity).map(|slot| format!("($1, {slot}, NULL, 0)")).collect();
        let make = format!(
            "INSERT INTO host_slots (host, slot, holder, held_until_ms) VALUES {} ON CONFLICT DO NOTHING",
            rows.join(", ")
        );
        self.db
            .execute_raw(self.statement(&make, vec![host.into()]))
            .await
            .map_err(db_err("making a host's politeness slots"))?;
        self.take_slot_row(&take, values).await
    }

    async fn give_host_slot(&self, host: &str, slot: u32, holder: &str) -> Result<(), StoreError> {
        self.db
            .execute_raw(self.statement(
                "UPDATE host_slots SET holder = NULL, held_until_ms = 0 \
                 WHERE host = $1 AND slot = $2 AND holder = $3",
                vec![host.into(), i32::try_from(slot).unwrap_or(i32::MAX).into(), holder.into()],
            ))
            .await
            .map_err(db_err("giving back a host's politeness slot"))?;
        Ok(())
    }

    async fn count_attempt(
        &self,
        key: &str,
        now: DateTime<Utc>,
        every: Duration,
        burst: u32,
    ) -> Result<Option<Duration>, StoreError> {
        let now = millis(now);
        let every = millis_of(every).max(1);
        let tolerance = every.saturating_mul(i64::from(burst.max(1)));
        let row = self
            .db
            .query_one_raw(
                self.statement(COUNT_ATTEMPT, vec![key.into(), now.into(), every.into(), tolerance.into()]),
            )
            .await
            .map_err(db_err("counting an attempt"))?
            .ok_or_else(|| StoreError::Backend {
                context: "counting an attempt",
                message: "the counter's row came back empty".to_owned(),
            })?;
        let tat: i64 = row.try_get("", "tat_ms").map_err(db_err("reading an attempt counter"))?;
        let admitted: i32 = row.try_get("", "admitted").map_err(db_err("reading an attempt counter"))?;
        if admitted != 0 {
            return Ok(None);
        }
        // Refused: the next attempt fits once now has moved this far on.
        let wait = tat.max(now) + every - now - tolerance;
        Ok(Some(Duration::from_millis(u64::try_from(wait.max(1)).unwrap_or(1))))
    }

    async fn forget_attempts(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = self
            .db
            .execute_raw(
                self.statement("DELETE FROM rate_limits WHERE tat_ms <= $1", vec![millis(now).into()]),
            )
            .await
            .map_err(db_err("forgetting refilled attempt counters"))?;
        Ok(result.rows_affected())
    }
}
