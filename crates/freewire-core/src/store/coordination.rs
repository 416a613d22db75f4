//! [`CoordinationStore`]: what several processes on one database share so that, together, they
//! behave as one site: the politeness slots pollers take per host before fetching, and the
//! counters behind rate limits (sign-in attempts, uploads), so that adding a replica neither
//! doubles the requests an outlet's server receives nor the guesses an attacker may make.
//!
//! Times are the calling process's clock: the machines of one site keep their clocks in step
//! (NTP), as TLS and the sessions' expiry already require.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;

/// Shared slots and counters, behind atomic calls.
#[async_trait]
pub trait CoordinationStore: Send + Sync {
    /// Takes one of `capacity` slots for requests to `host`, on behalf of `holder`, until
    /// `until`: a slot is free when no one holds it or its holder's time ran out before `now`
    /// (a holder that died frees its slot by waiting). Returns the slot taken, or `None` when
    /// every slot is held.
    async fn take_host_slot(
        &self,
        host: &str,
        capacity: u32,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<u32>, StoreError>;

    /// Gives back a slot `holder` took (nothing happens when its time ran out and another
    /// holder has it now).
    async fn give_host_slot(&self, host: &str, slot: u32, holder: &str) -> Result<(), StoreError>;

    /// Counts one attempt under `key`, allowing one every `every` with `burst` at once (the
    /// generic cell rate algorithm, one row per key). `None`: admitted; `Some(wait)`: refused,
    /// and one more is admitted after `wait`. A refused attempt is not counted.
    async fn count_attempt(
        &self,
        key: &str,
        now: DateTime<Utc>,
        every: Duration,
        burst: u32,
    ) -> Result<Option<Duration>, StoreError>;

    /// Forgets the counters that had refilled completely by `now`; returns how many.
    async fn forget_attempts(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}
