//! Decoding a plain text file's bytes: UTF-16 by its byte-order mark, else
//! UTF-8 with invalid sequences replaced; stray NULs read as spaces, and a
//! file that is mostly control bytes refused as binary.

pub(super) const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// `Some(big_endian)` when the bytes start with a UTF-16 byte order mark.
pub(super) fn utf16_bom(bytes: &[u8]) -> Option<bool> {
    match bytes {
        [0xFF, 0xFE, ..] => Some(false),
        [0xFE, 0xFF, ..] => Some(true),
        _ => None,
    }
}

pub(super) fn utf16_warning(big_endian: bool, lossy: bool) -> String {
    let form = if big_endian { "UTF-16BE" } else { "UTF-16LE" };
    if lossy {
        format!("decoded as {form}, invalid code units replaced")
    } else {
        format!("decoded as {form}")
    }
}

/// Decodes UTF-16 (without its BOM); unpaired surrogates and an odd last
/// byte become U+FFFD. Gives the text and whether anything was replaced.
pub(super) fn decode_utf16(bytes: &[u8], big_endian: bool) -> (String, bool) {
    let units = bytes.chunks_exact(2).map(|pair| match *pair {
        [a, b] if big_endian => u16::from_be_bytes([a, b]),
        [a, b] => u16::from_le_bytes([a, b]),
        _ => 0xFFFD,
    });
    let mut text = String::with_capacity(bytes.len());
    let mut lossy = false;
    for unit in char::decode_utf16(units) {
        text.push(unit.unwrap_or_else(|_| {
            lossy = true;
            char::REPLACEMENT_CHARACTER
        }));
    }
    if bytes.len() % 2 == 1 {
        lossy = true;
        text.push(char::REPLACEMENT_CHARACTER);
    }
    (text, lossy)
}

/// A plain text file's text, and a warning if it needed help to decode.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Decoded {
    pub(super) text: String,
    pub(super) warning: Option<String>,
}

/// A file with NUL bytes is binary when more than one byte in
/// `BINARY_SHARE` is a NUL, another control byte (not tab, line feed,
/// vertical tab, form feed, carriage return or escape) or part of an
/// invalid UTF-8 sequence. Compressed data and images are far above
/// (a random byte is one of these more than half the time), executables
/// are full of NULs; a text with a few stray NULs is far below.
pub(super) const BINARY_SHARE: usize = 20;

/// Whether bytes holding a NUL are binary rather than text with stray
/// control bytes (see [`BINARY_SHARE`]).
pub(super) fn looks_binary(bytes: &[u8]) -> bool {
    let controls = bytes
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | 0x1B))
        .count();
    let invalid: usize = bytes.utf8_chunks().map(|chunk| chunk.invalid().len()).sum();
    (controls + invalid) * BINARY_SHARE > bytes.len()
}

/// Decodes a plain text file's bytes: UTF-16 by its BOM, else UTF-8 (BOM
/// stripped, invalid sequences replaced). A file with NUL bytes is binary
/// when they, other control bytes and invalid UTF-8 are more than a
/// twentieth of it (the error is the skip message); otherwise its NULs are
/// read as spaces, with a warning.
pub(super) fn decode_text(mut bytes: Vec<u8>) -> Result<Decoded, String> {
    if let Some(big_endian) = utf16_bom(&bytes) {
        let (text, lossy) = decode_utf16(bytes.get(2..).unwrap_or_default(), big_endian);
        return Ok(Decoded { text, warning: Some(utf16_warning(big_endian, lossy)) });
    }
    let mut warnings = Vec::new();
    if let Some(offset) = memchr::memchr(0, &bytes) {
        if looks_binary(&bytes) {
            return Err(format!("binary file (NUL byte at offset {offset}), skipped"));
        }
        let mut nuls = 0;
        for b in bytes.iter_mut().filter(|b| **b == 0) {
            *b = b' ';
            nuls += 1;
        }
        let s = if nuls == 1 { "" } else { "s" };
        warnings.push(format!("{nuls} stray NUL byte{s} (the first at offset {offset}) read as spaces"));
    }
    if bytes.starts_with(UTF8_BOM) {
        bytes.drain(..UTF8_BOM.len());
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            warnings.push("invalid UTF-8, decoded with replacement characters".into());
            String::from_utf8_lossy(err.as_bytes()).into_owned()
        }
    };
    Ok(Decoded { text, warning: (!warnings.is_empty()).then(|| warnings.join("; ")) })
}
