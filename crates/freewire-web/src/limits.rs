//! Rate limits on what attackers repeat: sign-in attempts (per address and per account) and
//! uploads (per user). Kept in memory per process (governor's GCRA, keyed); with several
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
    api_calls: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
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
    /// The limits, with `api_per_minute` API calls a minute per token or address (a burst of a
    /// tenth of that at once).
    #[must_use]
    pub fn new(api_per_minute: u32) -> Self {
        let per_minute = api_per_minute.max(1);
        Limits {
            api_calls: DefaultKeyedRateLimiter::keyed(quota(
                (per_minute / 10).max(1),
                Duration::from_mins(1) / per_minute,
            )),
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

    /// Counts an API call by a token or an address (`key`).
    pub fn api(&self, key: &str) -> Result<(), RetryAfter> {
        self.check(self.api_calls.check_key(&key.to_owned()))
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
