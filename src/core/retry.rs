//! When to try a request again, and how long to wait first: a pure function of the policy,
//! the attempt, what went wrong, a random number and the clock.

use tsify::Tsify;

use super::error::{Error, Result};

/// Retry settings (`retry` option). Only reads (`get-*` operations and GraphQL queries) are
/// ever retried; a mutation whose request may have reached the server never is.
#[derive(Clone, Copy, Debug, PartialEq, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct RetryPolicy {
    /// Attempts in all, including the first; 1 switches retries off. Default 3.
    pub max_attempts: u32,
    /// First backoff step; doubled per attempt, full jitter. Default 250 ms.
    pub base_delay_ms: u32,
    /// Cap of one backoff wait. Default 5000 ms.
    pub max_delay_ms: u32,
    /// The longest `Retry-After` honoured; a server asking for more is not retried. Default 30000 ms.
    pub max_retry_after_ms: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay_ms: 250,
            max_delay_ms: 5_000,
            max_retry_after_ms: 30_000,
        }
    }
}

impl RetryPolicy {
    pub const OFF: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        base_delay_ms: 0,
        max_delay_ms: 0,
        max_retry_after_ms: 0,
    };

    pub fn validate(self) -> Result<Self> {
        if !(1..=10).contains(&self.max_attempts) {
            return Err(Error::invalid_argument(
                "options.retry.maxAttempts",
                "must be from 1 to 10",
            ));
        }
        if self.base_delay_ms > self.max_delay_ms
            || self.max_delay_ms > 600_000
            || self.max_retry_after_ms > 600_000
        {
            return Err(Error::invalid_argument(
                "options.retry",
                "delays must satisfy baseDelayMs <= maxDelayMs <= 600000 and maxRetryAfterMs <= 600000",
            ));
        }
        Ok(self)
    }
}

/// What went wrong with one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure<'a> {
    /// No HTTP answer (connection refused, reset, DNS).
    Network,
    /// An HTTP answer with this status and `Retry-After` header.
    Status {
        status: u16,
        retry_after: Option<&'a str>,
    },
}

/// Milliseconds to wait before attempt `attempt + 1`, or `None` to give up now.
/// `random` is uniform in [0, 1); `now_ms` is the Unix time in ms (for HTTP-date `Retry-After`).
pub fn next_delay(
    policy: &RetryPolicy,
    attempt: u32,
    idempotent: bool,
    failure: Failure<'_>,
    random: f64,
    now_ms: f64,
) -> Option<u32> {
    if !idempotent || attempt >= policy.max_attempts {
        return None;
    }
    if let Failure::Status {
        status,
        retry_after,
    } = failure
    {
        if !matches!(status, 429 | 502 | 503 | 504) {
            return None;
        }
        if let Some(wait) = retry_after.and_then(|value| retry_after_ms(value, now_ms)) {
            return (wait <= f64::from(policy.max_retry_after_ms)).then_some(wait as u32);
        }
    }
    let exponent = attempt.saturating_sub(1).min(20);
    let ceiling = (f64::from(policy.base_delay_ms) * f64::from(1u32 << exponent))
        .min(f64::from(policy.max_delay_ms));
    Some((random.clamp(0.0, 1.0) * ceiling) as u32)
}

/// `Retry-After` as delay-seconds or an HTTP date (IMF-fixdate), in ms from `now_ms`.
pub fn retry_after_ms(value: &str, now_ms: f64) -> Option<f64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Any number of seconds, however large: too many digits for a u64 is still "longer
        // than any ceiling", never "no Retry-After".
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(seconds as f64 * 1000.0);
    }
    http_date_ms(value).map(|at| (at - now_ms).max(0.0))
}

/// Parses `Sun, 06 Nov 1994 08:49:37 GMT` into Unix ms.
fn http_date_ms(value: &str) -> Option<f64> {
    let mut parts = value.split_whitespace();
    let _weekday = parts.next()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|n| n.parse::<u32>().ok());
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next()? != "GMT" || day == 0 || day > 31 || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Some(seconds as f64 * 1000.0)
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_delay_seconds_are_huge_not_absent() {
        for value in ["4294967296", "99999999999999999999999"] {
            let ms = retry_after_ms(value, 0.0).expect(value);
            assert!(ms >= 4_294_967_296_000.0, "{value}: {ms}");
        }
    }

    const POLICY: RetryPolicy = RetryPolicy {
        max_attempts: 4,
        base_delay_ms: 100,
        max_delay_ms: 1_000,
        max_retry_after_ms: 10_000,
    };

    #[test]
    fn mutations_are_never_retried() {
        for failure in [
            Failure::Network,
            Failure::Status {
                status: 503,
                retry_after: Some("1"),
            },
        ] {
            assert_eq!(next_delay(&POLICY, 1, false, failure, 0.5, 0.0), None);
        }
    }

    #[test]
    fn reads_retry_transient_failures_with_capped_full_jitter() {
        assert_eq!(
            next_delay(&POLICY, 1, true, Failure::Network, 0.5, 0.0),
            Some(50)
        );
        assert_eq!(
            next_delay(&POLICY, 2, true, Failure::Network, 0.5, 0.0),
            Some(100)
        );
        assert_eq!(
            next_delay(&POLICY, 3, true, Failure::Network, 0.999, 0.0),
            Some(399)
        );
        assert_eq!(
            next_delay(&POLICY, 4, true, Failure::Network, 0.5, 0.0),
            None,
            "attempts exhausted"
        );
        let capped = RetryPolicy {
            max_attempts: 10,
            ..POLICY
        };
        assert_eq!(
            next_delay(&capped, 9, true, Failure::Network, 0.999_999, 0.0),
            Some(999)
        );
        assert_eq!(
            next_delay(&POLICY, 1, true, Failure::Network, 0.0, 0.0),
            Some(0)
        );
        for status in [429, 502, 503, 504] {
            assert!(next_delay(
                &POLICY,
                1,
                true,
                Failure::Status {
                    status,
                    retry_after: None
                },
                0.5,
                0.0
            )
            .is_some());
        }
        for status in [400, 401, 403, 404, 500, 501] {
            assert_eq!(
                next_delay(
                    &POLICY,
                    1,
                    true,
                    Failure::Status {
                        status,
                        retry_after: None
                    },
                    0.5,
                    0.0
                ),
                None,
                "{status}"
            );
        }
        assert_eq!(
            next_delay(&RetryPolicy::OFF, 1, true, Failure::Network, 0.5, 0.0),
            None
        );
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_ceiling() {
        let busy = |value| Failure::Status {
            status: 429,
            retry_after: Some(value),
        };
        assert_eq!(
            next_delay(&POLICY, 1, true, busy("2"), 0.5, 0.0),
            Some(2_000)
        );
        assert_eq!(
            next_delay(&POLICY, 1, true, busy("60"), 0.5, 0.0),
            None,
            "longer than the ceiling: give up"
        );
        let now = http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(now, 784_111_777_000.0);
        assert_eq!(
            next_delay(
                &POLICY,
                1,
                true,
                busy("Sun, 06 Nov 1994 08:49:40 GMT"),
                0.5,
                now
            ),
            Some(3_000)
        );
        assert_eq!(
            next_delay(
                &POLICY,
                1,
                true,
                busy("Sun, 06 Nov 1994 08:49:00 GMT"),
                0.5,
                now
            ),
            Some(0),
            "a past date means now"
        );
        assert_eq!(
            next_delay(&POLICY, 1, true, busy("soon"), 0.5, 0.0),
            Some(50),
            "unreadable: back off normally"
        );
    }

    #[test]
    fn http_dates_parse_strictly() {
        assert_eq!(http_date_ms("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0.0));
        assert_eq!(
            http_date_ms("Sat, 29 Feb 2020 12:00:00 GMT"),
            Some(1_582_977_600_000.0)
        );
        for bad in [
            "",
            "Thu, 01 Foo 1970 00:00:00 GMT",
            "Thu, 01 Jan 1970 00:00:00 PST",
            "Thu, 32 Jan 1970 00:00:00 GMT",
            "Thu, 01 Jan 1970 24:00:00 GMT",
        ] {
            assert_eq!(http_date_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn policies_are_validated() {
        assert!(RetryPolicy::default().validate().is_ok());
        assert!(RetryPolicy {
            max_attempts: 0,
            ..POLICY
        }
        .validate()
        .is_err());
        assert!(RetryPolicy {
            base_delay_ms: 2_000,
            ..POLICY
        }
        .validate()
        .is_err());
    }
}
