//! Document metadata: a publication date and a source (site, publisher,
//! author), read with the documents (`--date-field`, `--source-field`, or
//! `--metadata FILE.csv` for text files), and what a run learns from them.
//!
//! Dates are ISO 8601, as [`Date::parse`] says: a calendar date
//! (`2024-03-01`), or a date and time with an offset (`2024-03-01T10:00Z`,
//! `2024-03-01T23:30:00-05:00`) or without one (`2024-03-01 10:00`, read
//! as UTC). Two dates are ordered by their instants when both have a time,
//! else by their calendar days as written: a date alone says nothing about
//! the hour, so two documents of the same day are not ordered by date
//! ([`Date::order`]).

use std::cmp::Ordering;
use std::fmt;

use serde::{Serialize, Serializer};

/// What is known about a document besides its text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// When it was published.
    pub date: Option<Date>,
    /// Who published it.
    pub source: Option<Box<str>>,
}

impl Meta {
    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        self.date.is_none() && self.source.is_none()
    }
}

/// A publication date, as written, and what it means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Date {
    /// The value as given (trimmed): reports print it unchanged.
    text: Box<str>,
    /// The calendar day as written, in days since 1970-01-01.
    day: i32,
    /// Seconds since 1970-01-01T00:00Z, when a time was given.
    instant: Option<i64>,
}

impl Date {
    /// Reads an ISO 8601 date, or date and time; the error says what was
    /// wrong, for a diagnostic.
    pub fn parse(value: &str) -> Result<Date, String> {
        let text = value.trim();
        let bad =
            || format!("{text:?} is not an ISO 8601 date (YYYY-MM-DD, optionally with a time and offset)");
        if text.is_empty() {
            return Err("the date is empty".into());
        }
        let utc = jiff::tz::Offset::UTC;
        let days = |d: jiff::civil::Date| -> i32 {
            let epoch = jiff::civil::date(1970, 1, 1);
            // Both dates are in jiff's range (years -9999..=9999), whose
            // span in days fits an i32.
            d.since(epoch).map_or(0, |s| s.get_days())
        };
        if let Ok(ts) = text.parse::<jiff::Timestamp>() {
            // With an offset: the calendar day as written is the one in that
            // offset; `Z` writes it in UTC.
            let written = text.parse::<jiff::civil::Date>().unwrap_or_else(|_| utc.to_datetime(ts).date());
            return Ok(Date { text: text.into(), day: days(written), instant: Some(ts.as_second()) });
        }
        let has_time =
            text.len() > 10 && text.is_char_boundary(10) && text[10..].starts_with(['T', 't', ' ']);
        if has_time {
            let dt = text.parse::<jiff::civil::DateTime>().map_err(|_| bad())?;
            let ts = utc.to_timestamp(dt).map_err(|_| bad())?;
            return Ok(Date { text: text.into(), day: days(dt.date()), instant: Some(ts.as_second()) });
        }
        // A calendar date alone, extended (2024-03-01) or basic (20240301).
        let is_date = matches!(text.len(), 8 | 10);
        match text.parse::<jiff::civil::Date>() {
            Ok(d) if is_date => Ok(Date { text: text.into(), day: days(d), instant: None }),
            _ => Err(bad()),
        }
    }

    /// The value as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Which of two dates is earlier: by instant when both have a time,
    /// else by calendar day. `Equal` means the dates do not tell.
    pub fn order(&self, other: &Date) -> Ordering {
        match (self.instant, other.instant) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => self.day.cmp(&other.day),
        }
    }

    /// A key to sort dates by (the instant, or the start of the day in
    /// UTC): it agrees with [`Date::order`] wherever that is strict
    /// between dates of the same kind.
    pub fn sort_key(&self) -> i64 {
        self.instant.unwrap_or(i64::from(self.day) * 86_400)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// Gives the documents read from text files their dates and sources from
/// a CSV file with a header naming the columns `path`, `date` and `source`
/// (other columns are ignored; `date` or `source` may be missing). A row's
/// path is matched to a document by its id (the path as reached from the
/// command line), else by the file it names (relative to the current
/// directory). Never fails on a bad row: each problem is a warning that
/// names `FILE.csv:LINE`, and the value is unknown; a CSV file that cannot
/// be read at all, or has no `path` column, is an error.
pub fn apply_csv(
    path: &std::path::Path,
    docs: &mut [crate::source::Document],
) -> Result<Vec<crate::source::Diagnostic>, crate::Error> {
    use std::collections::HashMap;
    let name = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| crate::Error::Other(format!("{name}: {e}")))?;
    let headers = reader.headers().map_err(|e| crate::Error::Other(format!("{name}: {e}")))?.clone();
    let column = |want: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(want));
    let Some(path_col) = column("path") else {
        return Err(crate::Error::Other(format!(
            "{name}: no \"path\" column in its header (want path,date,source)"
        )));
    };
    let (date_col, source_col) = (column("date"), column("source"));
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut by_file: HashMap<std::path::PathBuf, usize> = HashMap::new();
    for (i, d) in docs.iter().enumerate() {
        by_id.entry(d.id.as_str()).or_insert(i);
        if let Ok(canonical) = std::fs::canonicalize(&d.origin) {
            by_file.entry(canonical).or_insert(i);
        }
    }
    let mut diagnostics = Vec::new();
    let mut warn = |line: u64, message: String| {
        diagnostics.push(crate::source::Diagnostic {
            location: format!("{name}:{line}"),
            message,
            skipped: false,
        })
    };
    let mut found: Vec<(usize, Meta)> = Vec::new();
    let mut given = vec![false; docs.len()];
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                warn(line, format!("unreadable row ({e}), ignored"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let file = record.get(path_col).unwrap_or("");
        let doc = by_id
            .get(file)
            .copied()
            .or_else(|| std::fs::canonicalize(file).ok().and_then(|c| by_file.get(&c).copied()));
        let Some(doc) = doc else {
            warn(line, format!("no document read has path {file:?}, row ignored"));
            continue;
        };
        if std::mem::replace(&mut given[doc], true) {
            warn(line, format!("a second row for {file:?}, ignored"));
            continue;
        }
        let mut meta = Meta::default();
        if let Some(c) = date_col {
            match record.get(c).unwrap_or("") {
                "" => warn(line, format!("no date for {file:?}; the date is unknown")),
                value => match Date::parse(value) {
                    Ok(date) => meta.date = Some(date),
                    Err(why) => warn(line, format!("{why}; the date of {file:?} is unknown")),
                },
            }
        }
        if let Some(c) = source_col {
            match record.get(c).unwrap_or("") {
                "" => warn(line, format!("no source for {file:?}; the source is unknown")),
                value => meta.source = Some(value.into()),
            }
        }
        found.push((doc, meta));
    }
    let missing: Vec<usize> = (0..docs.len()).filter(|&i| !given[i]).collect();
    if let Some(&first) = missing.first() {
        let more = match missing.len() {
            1 => String::new(),
            n => format!(" and {} more documents", n - 1),
        };
        diagnostics.push(crate::source::Diagnostic {
            location: name.clone(),
            message: format!("no row for {}{more}; their dates and sources are unknown", docs[first].origin),
            skipped: false,
        });
    }
    for (doc, meta) in found {
        docs[doc].set_meta(meta);
    }
    Ok(diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn iso_forms_are_read() {
        for s in [
            "2024-03-01",
            "20240301",
            " 2024-03-01 ",
            "2024-03-01T10:00:00",
            "2024-03-01 10:00",
            "2024-03-01T10:00:00Z",
            "2024-03-01t10:00:00z",
            "2024-03-01T10:00:00.123+02:00",
            "2024-03-01T10:00:00+0200",
            "2024-03-01T23:30:00-05:00",
        ] {
            let d = date(s);
            assert_eq!(d.as_str(), s.trim());
            assert_eq!(d.day, date("2024-03-01").day, "{s}");
        }
        assert_eq!(date("1970-01-02").day, 1);
        assert_eq!(date("1969-12-31").day, -1);
    }

    #[test]
    fn bad_dates_say_why() {
        for s in
            ["", "yesterday", "2024-3-1", "2024-02-30", "2024-03-01T25:00", "03/01/2024", "2024", "2024-03"]
        {
            let err = Date::parse(s).unwrap_err();
            assert!(err.contains("date"), "{s}: {err}");
        }
    }

    #[test]
    fn time_zones_order_by_instant() {
        // 23:30 in New York is 04:30 the next day in UTC: later than 01:00Z,
        // though its calendar day is earlier.
        let ny = date("2024-03-01T23:30:00-05:00");
        let utc = date("2024-03-02T01:00:00Z");
        assert_eq!(ny.order(&utc), Ordering::Greater);
        assert_eq!(utc.order(&ny), Ordering::Less);
        // The same instant written in two offsets.
        assert_eq!(date("2024-03-01T12:00:00+02:00").order(&date("2024-03-01T10:00:00Z")), Ordering::Equal);
        // A time without an offset is UTC.
        assert_eq!(date("2024-03-01T10:00:00").order(&date("2024-03-01T10:00:00Z")), Ordering::Equal);
    }

    #[test]
    fn a_date_alone_does_not_order_within_its_day() {
        let day = date("2024-03-01");
        assert_eq!(day.order(&date("2024-03-01T08:00:00Z")), Ordering::Equal);
        assert_eq!(day.order(&date("2024-03-01")), Ordering::Equal);
        assert_eq!(day.order(&date("2024-03-02T00:00:00Z")), Ordering::Less);
        assert_eq!(day.order(&date("2024-02-29")), Ordering::Greater);
    }

    /// Property: the order of calendar dates is the order of their texts
    /// (ISO 8601 sorts as text), over every day of several years.
    #[test]
    fn calendar_order_is_text_order() {
        let mut d = jiff::civil::date(2019, 12, 25);
        let mut prev: Option<Date> = None;
        for _ in 0..1600 {
            let cur = date(&d.to_string());
            if let Some(p) = &prev {
                assert_eq!(p.order(&cur), p.as_str().cmp(cur.as_str()));
                assert_eq!(p.day + 1, cur.day);
                assert!(p.sort_key() < cur.sort_key());
            }
            prev = Some(cur);
            d = d.tomorrow().unwrap();
        }
    }
}
