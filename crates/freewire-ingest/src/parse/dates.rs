//! Dates that feed-rs does not read (it reads RFC 3339, RFC 2822 and RFC 1123, leniently) but
//! that publishers write: a date and time without a zone (`2018-09-18 14:38:10`,
//! `2020/1/10 14:33:00`) or a bare day (`2019-08-27`), read as UTC as feedparser reads them; and
//! RFC 2822 without the day of the week (`07 Nov 2015 12:00:00 EST`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

const WITH_TIME: &[&str] = &[
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
];
const DAY: &[&str] = &["%Y-%m-%d", "%Y/%m/%d"];

/// A date in one of the forms above, as UTC; `None` when it is none of them.
pub(super) fn read(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if raw.len() > 40 {
        return None;
    }
    WITH_TIME
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .or_else(|| {
            DAY.iter()
                .find_map(|f| NaiveDate::parse_from_str(raw, f).ok())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .map(|t| t.and_utc())
        .or_else(|| rfc2822(raw))
        // A day of the week without its comma (`Tue 11 Jan 2011 01:30:00 GMT`).
        .or_else(|| {
            let (day, rest) = raw.split_once(' ')?;
            (day.len() <= 4 && day.chars().all(|c| c.is_ascii_alphabetic() || c == ','))
                .then(|| rfc2822(rest.trim()))
                .flatten()
        })
}

fn rfc2822(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(raw).ok().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_without_a_zone_are_read_as_utc() {
        let at = |s: &str| read(s).map(|t| t.to_rfc3339());
        assert_eq!(at("2018-09-18 14:38:10").as_deref(), Some("2018-09-18T14:38:10+00:00"));
        assert_eq!(at("2020/1/10 14:33:00").as_deref(), Some("2020-01-10T14:33:00+00:00"));
        assert_eq!(at(" 2019-08-27 ").as_deref(), Some("2019-08-27T00:00:00+00:00"));
        assert_eq!(at("07 Nov 2015 12:00:00 EST").as_deref(), Some("2015-11-07T17:00:00+00:00"));
        assert_eq!(at("Tue 11 Jan 2011 01:30:00 GMT").as_deref(), Some("2011-01-11T01:30:00+00:00"));
        assert_eq!(at("yesterday"), None);
        assert_eq!(at("2019-02-30"), None);
    }
}
