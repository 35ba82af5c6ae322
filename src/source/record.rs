//! Parsing one JSONL record: the id, text, date and source fields a run
//! asks for, read in one pass without allocating for the fields it does
//! not (a seeded serde visitor), with the message that says why a line is
//! skipped or a value is unknown.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::ReadOptions;
use crate::meta::{Date, Meta};

/// What one JSONL line gave.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ParsedLine {
    /// The line was not valid UTF-8 and was decoded lossily.
    pub(super) lossy: bool,
    /// The record, or the message saying why the line was skipped.
    pub(super) result: Result<Record, String>,
}

/// The fields of one JSONL record that a run uses.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Record {
    /// The id, if the record has one.
    pub(super) id: Option<String>,
    pub(super) text: String,
    /// The raw line, if records are kept.
    pub(super) raw: Option<String>,
    /// The date and source read from it, if any were asked for and found.
    pub(super) meta: Option<Box<Meta>>,
    /// What was wrong with the date or source (each read as unknown).
    pub(super) meta_warnings: Vec<String>,
}

/// Parses one non-blank JSONL line (without its line end).
pub(super) fn parse_line(line: &[u8], options: &ReadOptions) -> ParsedLine {
    let mut text = String::new();
    let mut parsed = parse_line_into(line, options, &mut text);
    if let Ok(record) = &mut parsed.result {
        record.text = text;
    }
    parsed
}

/// [`parse_line`], with the text left in `text` (cleared first, and
/// reused from line to line) and `Record::text` empty.
pub(super) fn parse_line_into(line: &[u8], options: &ReadOptions, text: &mut String) -> ParsedLine {
    let (json, lossy) = match std::str::from_utf8(line) {
        Ok(json) => (Cow::Borrowed(json), false),
        Err(_) => (String::from_utf8_lossy(line), true),
    };
    let names = FieldNames::of(options);
    let result = parse_fields_into(&json, names, text).and_then(|fields| {
        let id = record_id(&fields, names.id, text)?;
        let (meta, meta_warnings) = record_meta(fields, names);
        Ok(Record {
            id,
            text: String::new(),
            raw: options.keep_records.then(|| json.into_owned()),
            meta: (!meta.is_empty()).then(|| Box::new(meta)),
            meta_warnings,
        })
    });
    ParsedLine { lossy, result }
}

/// The skip message of a record without its text field: the fields it
/// has, and the one `--text-field` most likely wants (its longest string
/// other than the id).
pub(super) fn missing_text_field(json: &str, id_field: &str, text_field: &str) -> String {
    let fields: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json).unwrap_or_default();
    if fields.is_empty() {
        return format!("missing text field {text_field:?} (the record has no fields), skipped");
    }
    let names: Vec<String> = fields.keys().map(|k| format!("{k:?}")).collect();
    let likely = fields
        .iter()
        .filter(|(k, _)| *k != id_field)
        .filter_map(|(k, v)| Some((k, v.as_str()?.len())))
        .max_by_key(|&(k, len)| (len, std::cmp::Reverse(k)))
        .map_or_else(
            || "name the text field with --text-field".into(),
            |(k, _)| format!("to read {k:?}, give --text-field {k}"),
        );
    format!("missing text field {text_field:?} (its fields: {}; {likely}), skipped", names.join(", "))
}

/// Finds the id and text fields of one JSON object. The error is the skip
/// message.
#[cfg(test)]
pub(super) fn parse_record(
    json: &str,
    id_field: &str,
    text_field: &str,
) -> Result<(Option<String>, String), String> {
    let mut text = String::new();
    let names = FieldNames { id: id_field, text: text_field, date: None, source: None };
    let fields = parse_fields_into(json, names, &mut text)?;
    record_id(&fields, id_field, &text).map(|id| (id, text))
}

/// The names of the fields a run reads from a JSONL record.
#[derive(Clone, Copy)]
pub(super) struct FieldNames<'a> {
    pub(super) id: &'a str,
    pub(super) text: &'a str,
    pub(super) date: Option<&'a str>,
    pub(super) source: Option<&'a str>,
}

impl<'a> FieldNames<'a> {
    fn of(options: &'a ReadOptions) -> FieldNames<'a> {
        FieldNames {
            id: &options.id_field,
            text: &options.text_field,
            date: options.date_field.as_deref(),
            source: options.source_field.as_deref(),
        }
    }
}

/// Reads the named fields of one JSON object, the text into `text`
/// (cleared first). The error is the skip message: invalid JSON, or no
/// string text.
pub(super) fn parse_fields_into(
    json: &str,
    names: FieldNames<'_>,
    text: &mut String,
) -> Result<RecordFields, String> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    text.clear();
    let fields = RecordSeed { names, text: &mut *text }
        .deserialize(&mut deserializer)
        .and_then(|fields| deserializer.end().map(|()| fields))
        .map_err(|err| format!("invalid JSON: {err}, skipped"))?;
    match &fields.text {
        Some(Field::Text) => Ok(fields),
        None => Err(missing_text_field(json, names.id, names.text)),
        Some(other) => {
            Err(format!("text field {:?} is not a string but {}, skipped", names.text, other.kind()))
        }
    }
}

/// The record's id, if it has one (`text` is the record's text, for an id
/// field that is the text field). The error is the skip message.
pub(super) fn record_id(fields: &RecordFields, id_field: &str, text: &str) -> Result<Option<String>, String> {
    match &fields.id {
        None | Some(Field::Null) => Ok(None),
        Some(Field::Str(id) | Field::Number(id)) => Ok(Some(id.clone())),
        Some(Field::Text) => Ok(Some(text.to_owned())),
        Some(other) => {
            Err(format!("id field {id_field:?} is not a string or number but {}, skipped", other.kind()))
        }
    }
}

/// The record's date and source, as far as they can be read, and a
/// warning for each one asked for that is missing or bad (it is then
/// unknown: metadata never costs a document).
pub(super) fn record_meta(fields: RecordFields, names: FieldNames<'_>) -> (Meta, Vec<String>) {
    let mut meta = Meta::default();
    let mut warnings = Vec::new();
    if let Some(name) = names.date {
        match fields.date {
            Some(Field::Str(value)) => match Date::parse(&value) {
                Ok(date) => meta.date = Some(date),
                Err(why) => warnings.push(format!("date field {name:?}: {why}; the date is unknown")),
            },
            None | Some(Field::Null) => warnings.push(format!("no date field {name:?}; the date is unknown")),
            Some(other) => warnings.push(format!(
                "date field {name:?} is {} (not an ISO 8601 string); the date is unknown",
                other.kind()
            )),
        }
    }
    if let Some(name) = names.source {
        match fields.source {
            Some(Field::Str(value) | Field::Number(value)) if !value.trim().is_empty() => {
                meta.source = Some(value.trim().into())
            }
            Some(Field::Str(_)) => {
                warnings.push(format!("source field {name:?} is empty; the source is unknown"))
            }
            None | Some(Field::Null) => {
                warnings.push(format!("no source field {name:?}; the source is unknown"))
            }
            Some(other) => warnings.push(format!(
                "source field {name:?} is {} (not a string or number); the source is unknown",
                other.kind()
            )),
        }
    }
    (meta, warnings)
}

/// A field's value, as far as reading needs to know it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Field {
    Str(String),
    /// A string, held in the text buffer of [`RecordSeed`].
    Text,
    /// A number, as JSON text.
    Number(String),
    Null,
    Bool,
    Array,
    Object,
}

impl Field {
    fn kind(&self) -> &'static str {
        match self {
            Field::Str(_) | Field::Text => "a string",
            Field::Number(_) => "a number",
            Field::Null => "null",
            Field::Bool => "a boolean",
            Field::Array => "an array",
            Field::Object => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Field, D::Error> {
        deserializer.deserialize_any(FieldVisitor)
    }
}

pub(super) struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
        Ok(Field::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Field, E> {
        Ok(Field::Str(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Field, E> {
        Ok(Field::Number(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Field, E> {
        Ok(Field::Number(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Field, E> {
        // serde_json's own rendering: the shortest text that reads back as v.
        let text = serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string());
        Ok(Field::Number(text))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Field, E> {
        Ok(Field::Bool)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Field, E> {
        Ok(Field::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Field, E> {
        Ok(Field::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Field, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Field::Array)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Field::Object)
    }
}

/// Reads a field's value as [`FieldVisitor`] does, but a string into the
/// buffer (without allocating when the buffer is large enough), as
/// `Field::Text`.
pub(super) struct TextSeed<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for TextSeed<'_> {
    type Value = Field;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Field, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TextSeed<'_> {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        FieldVisitor.expecting(f)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
        self.0.clear();
        self.0.push_str(v);
        Ok(Field::Text)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Field, E> {
        FieldVisitor.visit_u64(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Field, E> {
        FieldVisitor.visit_i64(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Field, E> {
        FieldVisitor.visit_f64(v)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Field, E> {
        FieldVisitor.visit_bool(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Field, E> {
        FieldVisitor.visit_unit()
    }

    fn visit_none<E: de::Error>(self) -> Result<Field, E> {
        FieldVisitor.visit_none()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Field, A::Error> {
        FieldVisitor.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field, A::Error> {
        FieldVisitor.visit_map(map)
    }
}

/// Which of the configured fields a key names (one key may name several:
/// the id and text fields may have the same name).
#[derive(Clone, Copy, Default)]
pub(super) struct Key {
    pub(super) id: bool,
    pub(super) text: bool,
    pub(super) date: bool,
    pub(super) source: bool,
}

/// Reads an object key, telling the configured fields from the rest
/// without allocating.
#[derive(Clone, Copy)]
pub(super) struct KeySeed<'a>(FieldNames<'a>);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        let names = self.0;
        Ok(Key {
            id: v == names.id,
            text: v == names.text,
            date: names.date == Some(v),
            source: names.source == Some(v),
        })
    }
}

/// The configured fields of a record; a repeated key keeps its last value,
/// as serde_json does.
#[derive(Default)]
pub(super) struct RecordFields {
    pub(super) id: Option<Field>,
    pub(super) text: Option<Field>,
    pub(super) date: Option<Field>,
    pub(super) source: Option<Field>,
}

/// Reads one JSON object, keeping only the configured fields; a string
/// text goes into `text`.
pub(super) struct RecordSeed<'a> {
    names: FieldNames<'a>,
    text: &'a mut String,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = RecordFields;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<RecordFields, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = RecordFields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RecordFields, A::Error> {
        let mut fields = RecordFields::default();
        while let Some(key) = map.next_key_seed(KeySeed(self.names))? {
            if !(key.id || key.text || key.date || key.source) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value = if key.text {
                // The text is the buffer's; a field of the same name is
                // `Field::Text` too (and read back from the buffer).
                let value = map.next_value_seed(TextSeed(&mut *self.text))?;
                fields.text = Some(value.clone());
                value
            } else {
                map.next_value()?
            };
            let text = || match &value {
                Field::Text => Field::Str(self.text.clone()),
                other => other.clone(),
            };
            if key.date {
                fields.date = Some(text());
            }
            if key.source {
                fields.source = Some(text());
            }
            if key.id {
                fields.id = Some(value);
            }
        }
        Ok(fields)
    }
}
