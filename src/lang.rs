//! Languages: which words carry content, and the stems that let a rewritten
//! word match its source ("condensed" and "condensing", "pulls" and
//! "pulling").
//!
//! The rewrite-tolerant stages of the alignment ([`crate::align`]) compare
//! words by a *match key*: the hash of the word's Snowball stem (the
//! `rust-stemmers` crate) where a stemmer exists for the document's
//! language, its normalised form elsewhere. Stop words (the NLTK lists of
//! the `stop-words` crate) still match each other but carry no weight as
//! content: sentence similarity counts content words only.
//!
//! The language is a setting ([`LanguageSetting`]): a fixed ISO 639-1 code,
//! `none` (exact forms, no stop words), or `auto`, the default, which picks
//! per document the language whose stop words make up the largest share of
//! its words, if that share is at least [`DETECT_SHARE`]. Text in any other
//! script, or too short to tell, gets exact forms. Near-duplicate Jaccard
//! and containment stay on exact words: this module only feeds alignment.

/// Hash maps keyed by hashes: foldhash (one multiply) with a fixed seed,
/// so results never depend on a random state.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};
use xxhash_rust::xxh3::xxh3_64;

use crate::text::{normalise_into, Token};

/// Least share of a document's words that must be stop words of one
/// language for `auto` to choose it. English prose runs at 40-50%, a list
/// of names or numbers near 0.
pub const DETECT_SHARE: f64 = 0.2;

/// Fewest words `auto` looks at before it names a language.
const DETECT_MIN_WORDS: usize = 20;

/// Words `auto` reads from the start of a document to detect its language.
const DETECT_WORDS: usize = 1_000;

/// The languages known: ISO 639-1 code, NLTK stop-word list, Snowball
/// stemmer where one exists.
const LANGUAGES: &[(&str, Option<Algorithm>)] = &[
    ("ar", Some(Algorithm::Arabic)),
    ("az", None),
    ("ca", None),
    ("da", Some(Algorithm::Danish)),
    ("de", Some(Algorithm::German)),
    ("el", Some(Algorithm::Greek)),
    ("en", Some(Algorithm::English)),
    ("es", Some(Algorithm::Spanish)),
    ("eu", None),
    ("fi", Some(Algorithm::Finnish)),
    ("fr", Some(Algorithm::French)),
    ("he", None),
    ("hu", Some(Algorithm::Hungarian)),
    ("id", None),
    ("it", Some(Algorithm::Italian)),
    ("kk", None),
    ("nl", Some(Algorithm::Dutch)),
    ("no", Some(Algorithm::Norwegian)),
    ("pt", Some(Algorithm::Portuguese)),
    ("ro", Some(Algorithm::Romanian)),
    ("ru", Some(Algorithm::Russian)),
    ("sl", None),
    ("sq", None),
    ("sv", Some(Algorithm::Swedish)),
    ("tr", Some(Algorithm::Turkish)),
];

/// Which language the words of a document are taken to be in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LanguageSetting {
    /// Detected per document from its stop words (the default).
    #[default]
    Auto,
    /// Exact forms, no stop words.
    None,
    /// One language for every document (an index into the known list).
    Fixed(Language),
}

impl LanguageSetting {
    /// Parses `auto`, `none` or an ISO 639-1 code of a known language.
    pub fn parse(s: &str) -> Result<LanguageSetting, String> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(LanguageSetting::Auto),
            "none" => Ok(LanguageSetting::None),
            code => Language::from_code(code).map(LanguageSetting::Fixed).ok_or_else(|| {
                format!(
                    "unknown language {s:?}: expected auto, none or one of {}",
                    Language::codes().join(", ")
                )
            }),
        }
    }

    /// The language of a document with these tokens.
    pub fn resolve(self, tokens: &[Token]) -> Option<Language> {
        match self {
            LanguageSetting::Auto => Language::detect(tokens),
            LanguageSetting::None => None,
            LanguageSetting::Fixed(l) => Some(l),
        }
    }

    /// The language of a document whose words have these hashes
    /// ([`Token::hash`]): as [`LanguageSetting::resolve`].
    pub fn resolve_hashes(self, hashes: &[u64]) -> Option<Language> {
        match self {
            LanguageSetting::Auto => Language::detect_hashes(hashes),
            LanguageSetting::None => None,
            LanguageSetting::Fixed(l) => Some(l),
        }
    }
}

/// A known language (stop words, and a stemmer for most).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Language(u8);

/// The hashed stop words of every known language, built once.
struct StopWords {
    /// For each word's hash, the set of languages (bit `i` for
    /// `LANGUAGES[i]`) that list it.
    langs: HashMap<u64, u32>,
    /// One bit per value of a hash's top [`FILTER_BITS`] bits, set for the
    /// stop words': most words are none, and one read of this 8 KB says so
    /// without the hash map.
    filter: Vec<u64>,
}

/// Top bits of a word's hash that index [`StopWords::filter`].
const FILTER_BITS: u32 = 16;

impl StopWords {
    /// The languages that list the word hashed to `hash`, as bits.
    #[inline]
    fn of(&self, hash: u64) -> u32 {
        let bit = (hash >> (64 - FILTER_BITS)) as usize;
        if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
            return 0;
        }
        self.langs.get(&hash).copied().unwrap_or(0)
    }
}

fn stop_words() -> &'static StopWords {
    static WORDS: OnceLock<StopWords> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut langs: HashMap<u64, u32> = HashMap::default();
        let mut word = String::new();
        for (l, (code, _)) in LANGUAGES.iter().enumerate() {
            for w in stop_words::lookup(code).unwrap_or(&[]) {
                word.clear();
                normalise_into(&mut word, w);
                *langs.entry(xxh3_64(word.as_bytes())).or_insert(0) |= 1 << l;
            }
        }
        let mut filter = vec![0u64; (1 << FILTER_BITS) / 64];
        for &hash in langs.keys() {
            let bit = (hash >> (64 - FILTER_BITS)) as usize;
            filter[bit / 64] |= 1 << (bit % 64);
        }
        StopWords { langs, filter }
    })
}

impl Language {
    /// The language with this ISO 639-1 code, if known.
    pub fn from_code(code: &str) -> Option<Language> {
        LANGUAGES.iter().position(|(c, _)| *c == code).map(|i| Language(i as u8))
    }

    /// The codes of the known languages.
    pub fn codes() -> Vec<&'static str> {
        LANGUAGES.iter().map(|(c, _)| *c).collect()
    }

    /// Its ISO 639-1 code.
    pub fn code(self) -> &'static str {
        LANGUAGES[self.0 as usize].0
    }

    /// Whether the word hashed to `hash` (a [`Token::hash`]) is one of its
    /// stop words.
    pub fn is_stop(self, hash: u64) -> bool {
        stop_words().of(hash) & (1 << self.0) != 0
    }

    /// The language whose stop words are the largest share of the first
    /// 1,000 words, if that share is at least [`DETECT_SHARE`];
    /// ties go to the earlier code.
    pub fn detect(tokens: &[Token]) -> Option<Language> {
        Language::detect_in(tokens.iter().map(|t| t.hash))
    }

    /// [`Language::detect`] over the words' hashes ([`Token::hash`]).
    pub fn detect_hashes(hashes: &[u64]) -> Option<Language> {
        Language::detect_in(hashes.iter().copied())
    }

    fn detect_in(hashes: impl ExactSizeIterator<Item = u64>) -> Option<Language> {
        let sample = hashes.take(DETECT_WORDS);
        let len = sample.len();
        if len < DETECT_MIN_WORDS {
            return None;
        }
        let words = stop_words();
        let mut hits = [0usize; LANGUAGES.len()];
        for hash in sample {
            let langs = words.of(hash);
            if langs != 0 {
                for (l, h) in hits.iter_mut().enumerate() {
                    *h += (langs >> l) as usize & 1;
                }
            }
        }
        // The most hits; ties go to the earlier code.
        let (l, hits) =
            hits.iter().enumerate().fold((0, 0), |best, (l, &h)| if h > best.1 { (l, h) } else { best });
        (hits as f64 >= DETECT_SHARE * len as f64).then_some(Language(l as u8))
    }
}

/// The match keys of words. Stems are cached per thread, from one
/// document (and one [`Keyer`]) to the next, so a thread stems a word once
/// per language: a stem depends on the word and the language only.
#[derive(Debug, Default)]
pub struct Keyer {
    word: String,
}

/// Entries of a thread's stem cache past which it starts over (about
/// 24 MB at most).
const KEY_CACHE: usize = 1 << 20;

thread_local! {
    /// (language, token hash) -> match key, mixed into one `u64`
    /// ([`cache_key`]): the stems this thread has made.
    static STEMS: std::cell::RefCell<HashMap<u64, u64>> = std::cell::RefCell::new(HashMap::default());
}

/// The stem cache's key of the word hashed to `hash` in language `tag`.
/// Token hashes are xxh3 values; the language is mixed in by an odd
/// multiple, so the keys of two languages differ for every word.
#[inline]
fn cache_key(tag: u8, hash: u64) -> u64 {
    hash ^ u64::from(tag).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The match key and whether the word carries content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    /// Hash of the stem (or of the normalised word without a stemmer).
    pub key: u64,
    /// Not a stop word.
    pub content: bool,
}

impl Keyer {
    /// A keyer with an empty cache.
    pub fn new() -> Keyer {
        Keyer::default()
    }

    /// Appends the key of every token of `text` in `lang` to `out`.
    pub fn keys(&mut self, text: &str, tokens: &[Token], lang: Option<Language>, out: &mut Vec<Key>) {
        out.clear();
        let Some(lang) = lang else {
            out.extend(tokens.iter().map(|t| Key { key: t.hash, content: true }));
            return;
        };
        let Some(algorithm) = LANGUAGES[lang.0 as usize].1 else {
            out.extend(tokens.iter().map(|t| Key { key: t.hash, content: !lang.is_stop(t.hash) }));
            return;
        };
        let stemmer = Stemmer::create(algorithm);
        let word = &mut self.word;
        STEMS.with_borrow_mut(|cache| {
            if cache.len() > KEY_CACHE {
                cache.clear();
            }
            for t in tokens {
                let content = !lang.is_stop(t.hash);
                let key = *cache.entry(cache_key(lang.0, t.hash)).or_insert_with(|| {
                    word.clear();
                    normalise_into(word, &text[t.span.range()]);
                    let stem = stemmer.stem(word);
                    if stem.as_ref() == word.as_str() {
                        t.hash
                    } else {
                        xxh3_64(stem.as_bytes())
                    }
                });
                out.push(Key { key, content });
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    fn keys(text: &str, lang: Option<Language>) -> Vec<Key> {
        let mut out = Vec::new();
        Keyer::new().keys(text, &tokenize(text), lang, &mut out);
        out
    }

    #[test]
    fn english_stems_match_across_forms_and_case() {
        let en = Language::from_code("en");
        let k = keys("Condensed condensing CONDENSES pulls pulling", en);
        assert_eq!(k[0].key, k[1].key);
        assert_eq!(k[1].key, k[2].key);
        assert_eq!(k[3].key, k[4].key);
        assert_ne!(k[0].key, k[3].key);
    }

    #[test]
    fn the_thread_stem_cache_keeps_languages_apart() {
        // Stemmed fresh, on a thread of its own, in each language...
        let text = "laufen running Häuser houses";
        let fresh = |code: &'static str| {
            std::thread::spawn(move || keys(text, Language::from_code(code))).join().unwrap()
        };
        let (de, en) = (fresh("de"), fresh("en"));
        assert_ne!(de, en, "German and English stem these words differently");
        // ... and on one thread, one language after the other, both ways.
        std::thread::spawn(move || {
            assert_eq!(keys(text, Language::from_code("en")), en);
            assert_eq!(keys(text, Language::from_code("de")), de);
            assert_eq!(keys(text, Language::from_code("en")), en);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn without_a_language_keys_are_exact_words() {
        let text = "Condensed condensing the";
        let tokens = tokenize(text);
        let k = keys(text, None);
        assert!(k.iter().zip(&tokens).all(|(k, t)| k.key == t.hash && k.content));
    }

    #[test]
    fn stop_words_are_not_content() {
        let k = keys("the deal and its nuclear terms", Language::from_code("en"));
        let content: Vec<bool> = k.iter().map(|k| k.content).collect();
        assert_eq!(content, [false, true, false, false, true, true]);
    }

    #[test]
    fn detection_names_the_language_of_prose_and_nothing_for_lists() {
        let en = "The exit from the deal gave the group new hope that it would be seen as \
                  a partner, and its members said that they had waited for this for years.";
        let fr = "Le retrait de l'accord a donné au groupe un nouvel espoir, et ses membres \
                  ont dit qu'ils avaient attendu ce moment depuis des années pour le voir.";
        let de = "Der Austritt aus dem Abkommen hat der Gruppe neue Hoffnung gegeben, und ihre \
                  Mitglieder sagten, dass sie seit Jahren auf diesen Moment gewartet hätten.";
        let names = "Alpha Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett Kilo Lima \
                     Mike November Oscar Papa Quebec Romeo Sierra Tango Uniform Victor";
        let code = |t: &str| Language::detect(&tokenize(t)).map(Language::code);
        assert_eq!(code(en), Some("en"));
        assert_eq!(code(fr), Some("fr"));
        assert_eq!(code(de), Some("de"));
        assert_eq!(code(names), None);
        assert_eq!(code("the and of"), None, "too short to tell");
    }

    #[test]
    fn settings_parse() {
        assert_eq!(LanguageSetting::parse("auto"), Ok(LanguageSetting::Auto));
        assert_eq!(LanguageSetting::parse("NONE"), Ok(LanguageSetting::None));
        assert_eq!(
            LanguageSetting::parse("de"),
            Ok(LanguageSetting::Fixed(Language::from_code("de").unwrap()))
        );
        let err = LanguageSetting::parse("xx").unwrap_err();
        assert!(err.contains("xx") && err.contains("en"), "{err}");
    }

    #[test]
    fn every_known_language_has_stop_words() {
        for code in Language::codes() {
            assert!(stop_words::lookup(code).is_some_and(|w| w.len() > 10), "{code}");
        }
    }
}
