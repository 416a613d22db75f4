//! Rate limits on what attackers repeat: sign-in attempts (per address and per account),
//! uploads (per user) and API calls (per address, and per account for token holders). Kept in memory per process (governor's GCRA, keyed); with several
//! processes behind a load balancer each enforces its own share.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

/// A refused attempt: how long until one more is allowed.
#[derive(Debug, Clone, Copy)]
pub struct RetryAfter(pub Duration);

/// The process's limiters.
pub struct Limits {
    login_by_address: DefaultKeyedRateLimiter<IpAddr>,
    login_by_account: DefaultKeyedRateLimiter<String>,
    uploads_by_user: DefaultKeyedRateLimiter<i64>,
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
            // An office behind one address signs in often; a guesser from one address is slowed
            // to one try every two seconds after thirty.
            login_by_address: DefaultKeyedRateLimiter::keyed(quota(30, Duration::from_secs(2))),
            // One account: ten tries, then one a minute, whatever the address.
            login_by_account: DefaultKeyedRateLimiter::keyed(quota(10, Duration::from_mins(1))),
            // Twenty uploads in a burst, then one every fifteen seconds.
            uploads_by_user: DefaultKeyedRateLimiter::keyed(quota(20, Duration::from_secs(15))),
            clock: DefaultClock::default(),
        }
    }
}

impl Limits {
    /// Counts a sign-in attempt from `address` for `account`.
    pub fn sign_in(&self, address: IpAddr, account: &str) -> Result<(), RetryAfter> {
        self.check(self.login_by_address.check_key(&address))?;
        self.check(self.login_by_account.check_key(&account.to_lowercase()))
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

    /// Counts an upload by `user`.
    pub fn upload(&self, user: i64) -> Result<(), RetryAfter> {
        self.check(self.uploads_by_user.check_key(&user))
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

    #[test]
    fn an_account_is_slowed_after_ten_attempts_from_anywhere() {
        let limits = Limits::default();
        for i in 0..10u8 {
            assert!(limits.sign_in(IpAddr::from([10, 0, 0, i]), "Ada").is_ok());
        }
        let refused = limits.sign_in(IpAddr::from([10, 0, 0, 99]), "ada").unwrap_err();
        assert!(refused.0 > Duration::from_secs(1), "{refused:?}");
        assert!(limits.sign_in(IpAddr::from([10, 0, 0, 99]), "bob").is_ok(), "other accounts are unaffected");
    }

    #[test]
    fn one_address_is_slowed_after_thirty_attempts() {
        let limits = Limits::default();
        let addr = IpAddr::from([192, 0, 2, 1]);
        for i in 0..30 {
            assert!(limits.sign_in(addr, &format!("user{i}")).is_ok());
        }
        assert!(limits.sign_in(addr, "user-new").is_err());
    }
}
