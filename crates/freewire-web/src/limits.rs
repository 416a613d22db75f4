//! Rate limits on what attackers repeat: sign-in attempts (per address and per account) and
//! uploads (per user) are counted in the database, so every replica of a site counts against
//! the same allowance and adding replicas does not multiply the guesses allowed; API calls (per
//! address, and per account for token holders) are counted in memory (governor's GCRA, keyed),
//! as they are a guard against floods at every request rather than against guessing, and each
//! replica enforces its own share.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use freewire_core::{Store, StoreError};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

/// A refused attempt: how long until one more is allowed.
#[derive(Debug, Clone, Copy)]
pub struct RetryAfter(pub Duration);

/// A limit counted in the database: one attempt every `every`, `burst` at once.
#[derive(Debug, Clone, Copy)]
struct SharedQuota {
    burst: u32,
    every: Duration,
}

/// An office behind one address signs in often; a guesser from one address is slowed to one
/// try every two seconds after thirty.
const SIGN_IN_BY_ADDRESS: SharedQuota = SharedQuota { burst: 30, every: Duration::from_secs(2) };
/// One account: ten tries, then one a minute, whatever the address.
const SIGN_IN_BY_ACCOUNT: SharedQuota = SharedQuota { burst: 10, every: Duration::from_mins(1) };
/// Twenty uploads in a burst, then one every fifteen seconds.
const UPLOADS_BY_USER: SharedQuota = SharedQuota { burst: 20, every: Duration::from_secs(15) };

/// Counts one attempt under `key` in the store.
async fn count(
    store: &dyn Store,
    key: &str,
    quota: SharedQuota,
) -> Result<Result<(), RetryAfter>, StoreError> {
    Ok(match store.count_attempt(key, chrono::Utc::now(), quota.every, quota.burst).await? {
        None => Ok(()),
        Some(wait) => Err(RetryAfter(wait)),
    })
}

/// The process's limiters.
pub struct Limits {
    api_by_address: DefaultKeyedRateLimiter<IpAddr>,
    api_by_user: DefaultKeyedRateLimiter<i64>,
    /// API calls counted since the limiters last forgot idle keys.
    api_counted: std::sync::atomic::AtomicU32,
    clock: DefaultClock,
}

/// Every this many API calls, keys that have refilled are dropped, so a stream of new addresses
/// does not grow the limiters without end.
const FORGET_EVERY: u32 = 4096;

/// Calls one address may make for every call an account may: an office or a proxy in front of
/// several tools shares one address.
const ADDRESS_SHARE: u32 = 4;

/// The key an address is counted under: itself for IPv4, its /64 network for IPv6 (one host
/// holds a whole /64).
fn network_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::V6(std::net::Ipv6Addr::from(segments))
        }
    }
}

fn quota(burst: u32, every: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(every).unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN)).allow_burst(burst)
}

impl Default for Limits {
    fn default() -> Self {
        Limits::new(crate::api::ApiConfig::default().requests_per_minute)
    }
}

impl Limits {
    /// The limits, with `api_per_minute` API calls a minute per account (a tenth of that in a
    /// burst), and four times that per address (or IPv6 /64), counted before any token is read.
    #[must_use]
    pub fn new(api_per_minute: u32) -> Self {
        let per_minute = api_per_minute.max(1);
        let per_address = per_minute.saturating_mul(ADDRESS_SHARE);
        Limits {
            api_by_user: DefaultKeyedRateLimiter::keyed(quota(
                (per_minute / 10).max(1),
                Duration::from_mins(1) / per_minute,
            )),
            api_by_address: DefaultKeyedRateLimiter::keyed(quota(
                (per_address / 10).max(1),
                Duration::from_mins(1) / per_address,
            )),
            api_counted: std::sync::atomic::AtomicU32::new(0),
            clock: DefaultClock::default(),
        }
    }
}

impl Limits {
    /// Counts a sign-in attempt from `address` for `account`, in the store every replica
    /// shares. The outer error is the store's; the inner one the refusal.
    pub async fn sign_in(
        &self,
        store: &dyn Store,
        address: IpAddr,
        account: &str,
    ) -> Result<Result<(), RetryAfter>, StoreError> {
        let by_address =
            count(store, &format!("sign-in:address:{}", network_of(address)), SIGN_IN_BY_ADDRESS).await?;
        if by_address.is_err() {
            return Ok(by_address);
        }
        count(store, &format!("sign-in:account:{}", account.to_lowercase()), SIGN_IN_BY_ACCOUNT).await
    }

    /// Counts an API call from `address`, before anything else is done for it.
    pub fn api_address(&self, address: IpAddr) -> Result<(), RetryAfter> {
        if self.api_counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % FORGET_EVERY
            == FORGET_EVERY - 1
        {
            self.api_by_address.retain_recent();
            self.api_by_user.retain_recent();
        }
        self.check(self.api_by_address.check_key(&network_of(address)))
    }

    /// Counts an API call by a token holder's account (all its tokens together).
    pub fn api_user(&self, user: i64) -> Result<(), RetryAfter> {
        self.check(self.api_by_user.check_key(&user))
    }

    /// Counts an upload by `user`, in the store every replica shares.
    pub async fn upload(&self, store: &dyn Store, user: i64) -> Result<Result<(), RetryAfter>, StoreError> {
        count(store, &format!("upload:user:{user}"), UPLOADS_BY_USER).await
    }

    fn check(
        &self,
        result: Result<(), governor::NotUntil<<DefaultClock as Clock>::Instant>>,
    ) -> Result<(), RetryAfter> {
        result.map_err(|not_until| RetryAfter(not_until.wait_time_from(self.clock.now())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_calls_are_counted_by_address_and_ipv6_by_network() {
        let limits = Limits::new(60);
        let host = |last: u16| IpAddr::from([0x2001, 0xdb8, 1, 2, 0, 0, 0, last]);
        // Four times the account's rate, a tenth of it in a burst: 24 at once.
        for i in 0..24u16 {
            assert!(limits.api_address(host(i)).is_ok(), "call {i}");
        }
        assert!(limits.api_address(host(999)).is_err(), "one /64 is one address");
        assert!(limits.api_address(IpAddr::from([0x2001, 0xdb8, 1, 3, 0, 0, 0, 1])).is_ok(), "another /64");
        for _ in 0..6 {
            assert!(limits.api_user(7).is_ok());
        }
        assert!(limits.api_user(7).is_err());
        assert!(limits.api_user(8).is_ok(), "accounts apart");
    }
}
