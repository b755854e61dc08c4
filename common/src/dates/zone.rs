//! A user's time zone: a validated IANA name, and the rule that turns a wall-clock time in
//! it into an instant across daylight-saving changes. The zone data and its rules come from
//! `chrono-tz` (the IANA database); only the choice for a time that is skipped or repeated
//! is ours.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::Error;

/// A time zone from the IANA database ("Europe/Berlin", "Asia/Karachi", "UTC").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(Tz);

impl Zone {
    /// Coordinated Universal Time, every user's zone until they choose one.
    pub const UTC: Zone = Zone(Tz::UTC);

    /// Reads an IANA zone name (surrounding white space ignored; the case must match, as the
    /// database spells it). `field` names the input in the error.
    pub fn parse(raw: &str, field: &'static str) -> Result<Self, Error> {
        let name = raw.trim();
        Tz::from_str(name).map(Self).map_err(|_| {
            Error::validation(
                field,
                format!(
                    "{name:?} is not a time zone of the IANA database; use a name such as \
                     America/New_York, Europe/Berlin, Asia/Kolkata or UTC"
                ),
            )
        })
    }

    /// The zone's IANA name.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The zone as `chrono-tz` knows it.
    pub fn tz(self) -> Tz {
        self.0
    }

    /// `at` on this zone's clocks.
    pub fn local(self, at: DateTime<Utc>) -> DateTime<Tz> {
        at.with_timezone(&self.0)
    }

    /// The instant that the wall-clock time `local` means in this zone. Where clocks go
    /// back, a time that happens twice means its first occurrence (01:30 on the night New
    /// York leaves daylight time is 01:30 EDT); where clocks go forward, a time that never
    /// happens is moved forward by the length of the gap (02:30 on the night New York enters
    /// daylight time is 03:30 EDT), the rule calendars and RFC 5545 use.
    pub fn instant(self, local: NaiveDateTime) -> DateTime<Utc> {
        if let Some(at) = self.0.from_local_datetime(&local).earliest() {
            return at.with_timezone(&Utc);
        }
        // In a gap: read the time with the offset in force just before it.
        let before = (1..=48)
            .filter_map(|hours| local.checked_sub_signed(Duration::hours(hours)))
            .find_map(|probe| self.0.from_local_datetime(&probe).latest());
        let offset = before.map_or(0, |at| at.offset().fix().local_minus_utc());
        (local - Duration::seconds(i64::from(offset))).and_utc()
    }
}

impl Default for Zone {
    fn default() -> Self {
        Self::UTC
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl TryFrom<String> for Zone {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value, "time_zone")
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn zone(name: &str) -> Zone {
        Zone::parse(name, "time_zone").expect("a known zone")
    }

    fn wall(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|day| day.and_hms_opt(h, min, 0))
            .expect("a valid wall time")
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("RFC 3339")
            .with_timezone(&Utc)
    }

    #[test]
    fn names_are_checked_against_the_database() {
        for name in [
            "UTC",
            "Europe/Berlin",
            " Asia/Kolkata ",
            "Pacific/Chatham",
            "America/Argentina/Buenos_Aires",
        ] {
            assert!(Zone::parse(name, "time_zone").is_ok(), "{name}");
        }
        for bad in [
            "",
            "Mars/Olympus",
            "europe/berlin",
            "+05:00",
            "EST5EDT;drop",
        ] {
            let err = Zone::parse(bad, "time_zone").expect_err(bad);
            assert!(err.to_string().starts_with("time_zone: "), "{err}");
        }
    }

    #[test]
    fn odd_offsets_are_kept_to_the_minute() {
        assert_eq!(
            zone("Asia/Kolkata").instant(wall(2026, 12, 5, 17, 0)),
            utc("2026-12-05T11:30:00Z")
        );
        assert_eq!(
            zone("Pacific/Chatham").instant(wall(2026, 12, 5, 17, 0)),
            utc("2026-12-05T03:15:00Z"),
            "+13:45 in the southern summer"
        );
    }

    #[test]
    fn a_skipped_time_moves_forward_by_the_gap() {
        let ny = zone("America/New_York");
        // 2027-03-14: 02:00 EST becomes 03:00 EDT.
        assert_eq!(
            ny.instant(wall(2027, 3, 14, 2, 30)),
            utc("2027-03-14T07:30:00Z")
        );
        assert_eq!(
            ny.local(utc("2027-03-14T07:30:00Z"))
                .format("%H:%M")
                .to_string(),
            "03:30"
        );
        assert_eq!(
            ny.instant(wall(2027, 3, 14, 3, 0)),
            utc("2027-03-14T07:00:00Z")
        );
    }

    #[test]
    fn a_repeated_time_is_its_first_occurrence() {
        let ny = zone("America/New_York");
        // 2026-11-01: 02:00 EDT becomes 01:00 EST, so 01:30 happens twice.
        assert_eq!(
            ny.instant(wall(2026, 11, 1, 1, 30)),
            utc("2026-11-01T05:30:00Z")
        );
    }
}
