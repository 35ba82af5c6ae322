//! `scan --format html`: the data payload embedded in the page is the JSON
//! report plus the texts of the documents in pairs (snapshot), hostile
//! document text and ids never appear as markup, and the page loads nothing
//! from the network.

mod common;

use sha2::{Digest, Sha256};

use common::{root, run, run_json};

const DATA_OPEN: &str = "<script type=\"application/json\" id=\"reprint-data\">";

/// A text that tries to end the data block, run a script and load an image.
const HOSTILE: &str =
    "Breaking news from the river valley today. </script><script>document.title='PWNED'</script> \
     The council voted to rebuild the old stone bridge <img src=x onerror=alert(1)> before the spring \
     floods arrive, and the mayor said the work would start in April and take about six months. \
     <!--- <script> & &amp; \u{2028}\u{2029} --> end.";

fn html(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("the page is UTF-8")
}

/// The text between `open` and the next `close`.
fn between<'a>(page: &'a str, open: &str, close: &str) -> &'a str {
    let start = page.find(open).unwrap_or_else(|| panic!("{open} not in the page")) + open.len();
    let len = page[start..].find(close).unwrap_or_else(|| panic!("{close} after {open} not in the page"));
    &page[start..start + len]
}

fn payload(page: &str) -> serde_json::Value {
    serde_json::from_str(between(page, DATA_OPEN, "</script>")).expect("the data block is JSON")
}

fn sha256_base64(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let digest = Sha256::digest(text.as_bytes());
    let mut bits = String::new();
    for b in digest.iter() {
        bits.push_str(&format!("{b:08b}"));
    }
    while bits.len() % 6 != 0 {
        bits.push('0');
    }
    let mut s: String = bits
        .as_bytes()
        .chunks(6)
        .map(|c| ALPHABET[usize::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap()] as char)
        .collect();
    while s.len() % 4 != 0 {
        s.push('=');
    }
    s
}

#[test]
fn payload_is_the_json_report_plus_texts_of_paired_documents() {
    let page = html(&["scan", "fixtures/seeds", "fixtures/republished", "--format", "html", "-q"]);
    let mut data = payload(&page);
    let (_, json, _) =
        run_json(&["scan", "fixtures/seeds", "fixtures/republished", "--format", "json", "-q"]);

    let texts = data.as_object_mut().unwrap().remove("texts").expect("texts");
    assert_eq!(data, json, "the payload without texts is the JSON report");

    let paired: std::collections::HashSet<&str> = json["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| [p["a"].as_str().unwrap(), p["b"].as_str().unwrap()])
        .collect();
    // Each paired document once, in input order.
    let pair_ids: Vec<&str> = json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .filter(|id| paired.contains(id))
        .collect();
    let text_ids: Vec<&str> = texts.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(text_ids, pair_ids, "one text per document in a pair, in input order");
    assert!(
        text_ids.len() < json["documents"].as_array().unwrap().len(),
        "unpaired documents are not embedded"
    );
    for t in texts.as_array().unwrap() {
        let want = std::fs::read_to_string(root().join(t["id"].as_str().unwrap())).unwrap();
        assert_eq!(t["text"].as_str().unwrap(), want);
    }

    data.as_object_mut().unwrap().insert("texts".into(), texts);
    insta::assert_json_snapshot!("seeds_payload", data);
}

#[test]
fn page_is_self_contained_and_its_policy_allows_only_its_own_script_and_style() {
    let page = html(&["scan", "fixtures/seeds", "fixtures/republished", "--format", "html", "-q"]);
    assert!(!page.contains("http://") && !page.contains("https://"), "a URL in the page");
    let csp = between(&page, "<meta http-equiv=\"Content-Security-Policy\" content=\"", "\"");
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    let style = between(&page, "<style>", "</style>");
    let script = between(&page, "<script>", "</script>");
    assert!(csp.contains(&format!("style-src 'sha256-{}'", sha256_base64(style))), "{csp}");
    assert!(csp.contains(&format!("script-src 'sha256-{}'", sha256_base64(script))), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    for tag in ["<link", "<img", "<iframe", "src=", "@import", "url("] {
        assert!(!page.contains(tag), "{tag} in the page");
    }
}

#[test]
fn hostile_text_and_ids_never_become_markup() {
    let dir = tempfile::tempdir().unwrap();
    let docs = vec![
        ("hostile-<b>1</b>".to_string(), HOSTILE.to_string()),
        ("hostile-<b>2</b>\"'&".to_string(), HOSTILE.to_string()),
    ];
    let path = common::write_jsonl(dir.path(), "hostile.jsonl", &docs);
    let page = html(&["scan", path.to_str().unwrap(), "--format", "html", "-q"]);

    for raw in
        ["</script><script>", "<script>document", "<img", "<b>", "</b>", "<!--", "\u{2028}", "\u{2029}"]
    {
        assert!(!page.contains(raw), "{raw:?} appears unescaped in the page");
    }
    assert_eq!(page.matches("</script>").count(), 2, "only the data block and the script end a script");

    let data = payload(&page);
    let pairs = data["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 1, "the two copies form a pair");
    assert_eq!(pairs[0]["a"], docs[0].0.as_str());
    assert_eq!(pairs[0]["b"], docs[1].0.as_str());
    let texts = data["texts"].as_array().unwrap();
    assert_eq!(texts.len(), 2);
    assert_eq!(texts[1]["id"], docs[1].0.as_str(), "ids round-trip exactly");
    assert_eq!(texts[0]["text"], HOSTILE, "texts round-trip exactly");
}

#[test]
fn library_renders_a_page_without_texts() {
    let docs = vec![
        reprint::source::Document::new("a", common::seed(1)),
        reprint::source::Document::new("b", common::seed(1)),
    ];
    let scan = reprint::pipeline::scan(&docs, &reprint::Config::default()).unwrap();
    let report = reprint::report::Report::new(&docs, &scan, 0, 0);
    let mut with = Vec::new();
    reprint::report::html::write(&report, &docs, &mut with).unwrap();
    let mut without = Vec::new();
    reprint::report::write(&report, reprint::report::Format::Html, &mut without).unwrap();
    let with = payload(std::str::from_utf8(&with).unwrap());
    let without = payload(std::str::from_utf8(&without).unwrap());
    assert_eq!(with["texts"].as_array().unwrap().len(), 2);
    assert_eq!(without["texts"].as_array().unwrap().len(), 0);
    assert_eq!(with["pairs"], without["pairs"]);
}
