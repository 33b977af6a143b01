use super::*;
use proptest::prelude::*;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

fn parse(s: &str) -> Facts {
    Facts::parse(s.to_string(), None, FactsFormat::Json).expect("valid JSON")
}

fn error(text: &str, format: FactsFormat) -> FactsError {
    match Facts::parse(text.into(), None, format) {
        Ok(_) => panic!("accepted {text:?}"),
        Err(e) => e,
    }
}

fn block(node: Node) -> u32 {
    match node {
        Node::Array(b) | Node::Object(b) => b,
        other => panic!("not a container: {other:?}"),
    }
}

#[test]
fn pointers_name_every_node() {
    let f = parse(r#"{"a": [1, {"b/c": [true, {"d": null}]}], "e": {}}"#);
    let root = block(f.root());
    assert_eq!(f.pointer(root), "");
    let a = block(f.child(root, 0).expect("a"));
    assert_eq!(f.pointer(a), "/a");
    assert_eq!(f.child_pointer(a, 0), "/a/0");
    let o = block(f.child(a, 1).expect("a/1"));
    assert_eq!(f.pointer(o), "/a/1");
    let inner = block(f.child(o, 0).expect("b/c"));
    assert_eq!(f.pointer(inner), "/a/1/b~1c");
    let d = block(f.child(inner, 1).expect("inner/1"));
    assert_eq!(f.child_pointer(d, 0), "/a/1/b~1c/1/d");
    assert_eq!(f.key(root, 1), Some("e"));
}

#[test]
fn strings_are_read_and_unescaped() {
    let f = parse(r#"["plain", "esc\"aped", "\u00e9", "é\n", "\ud83d\ude00"]"#);
    let a = block(f.root());
    let texts: Vec<&str> = f
        .iter(a)
        .map(|(_, n)| match n {
            Node::Str(s) => f.str(s),
            _ => "",
        })
        .collect();
    assert_eq!(texts, ["plain", "esc\"aped", "é", "é\n", "😀"]);
}

#[test]
fn objects_of_one_shape_share_their_keys() {
    let f = parse(r#"[{"a": 1, "b": 2}, {"a": 3, "b": 4}, {"b": 5, "a": 6}, {"a": 7}]"#);
    let a = block(f.root());
    let keys: Vec<Vec<&str>> = f
        .iter(a)
        .map(|(_, n)| f.iter(block(n)).map(|(k, _)| k.unwrap_or("?")).collect())
        .collect();
    assert_eq!(
        keys,
        [vec!["a", "b"], vec!["a", "b"], vec!["b", "a"], vec!["a"]]
    );
    let third = block(f.child(a, 2).expect("third"));
    assert_eq!(f.get(third, "a", 0), Some((1, Node::Int(6))));
    assert_eq!(f.get(third, "a", 1), Some((1, Node::Int(6))));
    assert_eq!(f.get(third, "c", 0), None);
    // Keys and values both count towards the budget, as they always did.
    assert_eq!(f.node_count(), 1 + 4 + 7 * 2);
}

#[test]
fn errors_have_positions() {
    let e = error("{\n  \"a\": [1,]\n}", FactsFormat::Json);
    assert_eq!((e.line, e.column), (2, 11));
    let e = error(r#"{"a": 1, "a": 2}"#, FactsFormat::Json);
    assert!(e.message.contains("duplicate key `a`"), "{}", e.message);
    assert_eq!((e.line, e.column), (1, 10), "at the second `a`");
}

/// A repeated key is reported where it is written, in small and large
/// objects and in JSON lines; an escaped key at the object's end.
#[test]
fn duplicate_keys_are_located() {
    let at = |text: &str, format| {
        let e = error(text, format);
        (e.line, e.column)
    };
    let large: String = (0..40).map(|i| format!("\"k{i}\": {i}, ")).collect();
    let large = format!("{{\n{large}\n  \"k7\": 0}}");
    assert_eq!(at(&large, FactsFormat::Json), (3, 3));
    let lines = "{\"a\": 1}\n{\"b\": 1, \"b\": 2}\n";
    assert_eq!(at(lines, FactsFormat::JsonLines), (2, 10));
    assert_eq!(
        at(r#"{"\u0061": 1, "\u0061": 2}"#, FactsFormat::Json),
        (1, 26)
    );
    // Objects of a known shape that repeat a key are caught too.
    let known = r#"[{"a": 1, "b": 2}, {"a": 1, "a": 2}]"#;
    assert_eq!(at(known, FactsFormat::Json), (1, 29));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let e = error(&deep, FactsFormat::Json);
    assert_eq!(
        e.message,
        "arrays and objects nest more than 512 levels deep"
    );
    assert_eq!((e.line, e.column), (1, MAX_DEPTH + 1));
    let just_fits = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
    assert!(Facts::parse(just_fits, None, FactsFormat::Json).is_ok());
}

/// A Terraform plan of 40 nested modules, as `terraform show -json`
/// writes it: `configuration` nests three levels per module
/// (`module_calls`, the call, its `module`), past serde_json's 127.
#[test]
fn a_terraform_plan_of_forty_nested_modules_loads() {
    let mut config = r#"{"resources": [{"address": "aws_s3_bucket.b", "expressions": {"bucket": {"constant_value": "logs"}, "tags": {"references": ["var.tags"]}}}]}"#.to_string();
    for m in (0..40).rev() {
        config = format!(
            r#"{{"module_calls": {{"m{m}": {{"source": "./m{m}", "module": {config}}}}}}}"#
        );
    }
    let plan =
        format!(r#"{{"format_version": "1.2", "configuration": {{"root_module": {config}}}}}"#);
    let mut depth = 0usize;
    let mut deepest = 0;
    for b in plan.bytes() {
        match b {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth -= 1,
            _ => {}
        }
        deepest = deepest.max(depth);
    }
    assert!(deepest > 127 && deepest <= MAX_DEPTH, "nests {deepest}");
    let f = Facts::parse(plan, None, FactsFormat::Json).expect("a plan of 40 modules loads");
    let root = crate::eval::Evaluator::root(&f);
    let mut module = root.get("configuration").and_then(|c| c.get("root_module"));
    for m in 0..40 {
        module = module
            .and_then(|v| v.get("module_calls"))
            .and_then(|v| v.get(&format!("m{m}")))
            .and_then(|v| v.get("module"));
    }
    let bucket = module
        .and_then(|v| v.get("resources"))
        .and_then(|v| v.index(0));
    assert_eq!(
        bucket.and_then(|b| b.get("address")).map(|a| a.display()),
        Some("aws_s3_bucket.b".into())
    );
}

#[test]
fn integers_beyond_64_bits_become_floats() {
    // Like jq and JavaScript: exact up to i64, approximate beyond.
    let f = parse(
        "[9223372036854775807, 18446744073709551615, -9223372036854775808, -0, 1152921504606846976]",
    );
    let a = block(f.root());
    let nodes: Vec<Node> = f.iter(a).map(|(_, n)| n).collect();
    assert_eq!(nodes[0], Node::Int(i64::MAX));
    assert_eq!(nodes[1], Node::Float(18446744073709551615.0));
    assert_eq!(nodes[2], Node::Int(i64::MIN));
    assert!(matches!(nodes[3], Node::Float(z) if z == 0.0 && z.is_sign_negative()));
    assert_eq!(nodes[4], Node::Int(1 << 60), "wider than a packed integer");
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let f = parse("\u{feff}{\"a\": [1]}");
    assert_eq!(f.len(block(f.root())), 1);
    let e = error("\u{feff}{\n,}", FactsFormat::Json);
    assert_eq!((e.line, e.column), (2, 1));
}

#[test]
fn jsonl_is_a_list_of_documents() {
    let f = Facts::parse(
        "{\"a\":1}\n\n{\"a\":2}\n".into(),
        None,
        FactsFormat::JsonLines,
    )
    .expect("valid");
    let a = block(f.root());
    assert_eq!(f.len(a), 2);
    assert_eq!(f.child_pointer(a, 1), "/1");
    let e = error("{}\n{bad}\n", FactsFormat::JsonLines);
    assert_eq!(e.line, 2);
}

#[test]
fn binary_input_is_refused_at_its_first_byte() {
    let e = error("\0\0\0\0", FactsFormat::Json);
    assert_eq!((e.line, e.column, e.kind), (1, 1, ErrorKind::Syntax));
    assert!(e.message.contains("NUL"), "{}", e.message);
    let e = error("[1, \u{0}]", FactsFormat::JsonLines);
    assert_eq!((e.line, e.column), (1, 5));
    let e = Facts::read(
        &b"[\"a\", \xff]"[..],
        None,
        FactsFormat::Json,
        &Limits::default(),
    )
    .err()
    .expect("error");
    assert_eq!((e.kind, e.line, e.column), (ErrorKind::Utf8, 1, 7));
}

/// An endless stream stops at the size limit, having read only that much.
#[test]
fn the_size_limit_stops_an_endless_stream() {
    let limits = Limits {
        max_size: 1 << 20,
        ..Limits::default()
    };
    let endless = std::io::repeat(b' ');
    let e = Facts::read(endless, None, FactsFormat::Json, &limits)
        .err()
        .expect("error");
    assert_eq!(e.kind, ErrorKind::TooLarge);
    let ones = (&b"["[..]).chain(std::io::repeat(b'1'));
    let e = Facts::read(ones, None, FactsFormat::Json, &limits)
        .err()
        .expect("error");
    assert_eq!(e.kind, ErrorKind::TooLarge);
}

// ---- serde_json as the reference --------------------------------------

/// What serde_json makes of the text, with the checks the facts add:
/// duplicate keys refused at the end of their object (where written for
/// plain keys), nesting to serde_json's 127, empty input refused.
fn reference(text: &str, lines: bool) -> Result<Json, (String, usize, usize)> {
    let text = text.strip_prefix('\u{feff}').map_or(text, |t| t);
    if text.trim().is_empty() && !lines {
        return Err(("the file is empty".into(), 1, 1));
    }
    if !lines {
        return reference_document(text, text, 1);
    }
    let mut docs = Vec::new();
    for (n, line) in text.split('\n').enumerate() {
        if !line.trim().is_empty() {
            docs.push(reference_document(text, line, n + 1)?);
        }
    }
    if docs.is_empty() {
        return Err(("the file is empty".into(), 1, 1));
    }
    Ok(Json::Array(docs))
}

fn reference_document(whole: &str, doc: &str, line: usize) -> Result<Json, (String, usize, usize)> {
    let mut at = None;
    let mut de = serde_json::Deserializer::from_str(doc);
    let result = ReferenceSeed {
        whole,
        duplicate_at: &mut at,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    result.map_err(|e| {
        let message = e.to_string();
        let message = message
            .rfind(" at line ")
            .map_or(message.clone(), |i| message[..i].to_string());
        let message = if message == "recursion limit exceeded" {
            format!("arrays and objects nest more than {MAX_DEPTH} levels deep")
        } else {
            message
        };
        match at {
            Some(offset) => {
                let (l, c) = crate::source::byte_position(whole.as_bytes(), offset);
                (message, l, c)
            }
            None => (message, line + e.line() - 1, e.column()),
        }
    })
}

struct ReferenceSeed<'a, 'w> {
    whole: &'w str,
    duplicate_at: &'a mut Option<usize>,
}

impl<'de> DeserializeSeed<'de> for ReferenceSeed<'_, '_> {
    type Value = Json;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ReferenceSeed<'_, '_> {
    type Value = Json;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        Ok(Json::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        Ok(i64::try_from(v).map_or(Json::from(v as f64), Json::from))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        Ok(Json::from(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.into()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(ReferenceSeed {
            whole: self.whole,
            duplicate_at: &mut *self.duplicate_at,
        })? {
            items.push(v);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries: Vec<(String, Option<usize>, Json)> = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed(self.whole))? {
            let value = map.next_value_seed(ReferenceSeed {
                whole: self.whole,
                duplicate_at: &mut *self.duplicate_at,
            })?;
            entries.push((key.0, key.1, value));
        }
        let first_repeat =
            (1..entries.len()).find(|&i| entries[..i].iter().any(|e| e.0 == entries[i].0));
        if let Some(i) = first_repeat {
            *self.duplicate_at = entries[i].1;
            let key = crate::escape::terminal(&entries[i].0).into_owned();
            return Err(de::Error::custom(format!(
                "duplicate key `{key}` in object"
            )));
        }
        Ok(Json::Object(
            entries.into_iter().map(|(k, _, v)| (k, v)).collect(),
        ))
    }
}

/// A key, with the offset of its opening quote when it is written plainly.
struct KeySeed<'w>(&'w str);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = (String, Option<usize>);
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = (String, Option<usize>);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        let offset = v.as_ptr() as usize - self.0.as_ptr() as usize - 1;
        Ok((v.to_string(), Some(offset)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok((v.to_string(), None))
    }
}

/// A reader that hands out a few bytes at a time, so every token meets
/// the end of the buffer somewhere.
struct Trickle<'a>(&'a [u8], usize);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.1.min(out.len()).min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fn ours(text: &str, lines: bool, chunk: usize) -> Result<Json, (String, usize, usize)> {
    let format = if lines {
        FactsFormat::JsonLines
    } else {
        FactsFormat::Json
    };
    let read = Facts::read(
        Trickle(text.as_bytes(), chunk),
        None,
        format,
        &Limits::default(),
    );
    match read {
        Ok(facts) => Ok(crate::eval::Evaluator::root(&facts).to_json()),
        Err(e) => Err((e.message, e.line, e.column)),
    }
}

/// Equal, with floats within a few units in the last place (serde_json's
/// default float parsing rounds less exactly).
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y || (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs())
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((k, v), (l, w))| k == l && same(v, w))
        }
        _ => a == b,
    }
}

fn check(text: &str, lines: bool) -> Result<(), TestCaseError> {
    let want = reference(text, lines);
    for chunk in [1, 7, 1 << 20] {
        let got = ours(text, lines, chunk);
        let agree = match (&want, &got) {
            (Ok(a), Ok(b)) => same(a, b),
            (Err(a), Err(b)) => a == b,
            _ => false,
        };
        prop_assert!(
            agree,
            "{text:?} (lines: {lines}, chunk {chunk}):\n want {want:?}\n  got {got:?}"
        );
    }
    Ok(())
}

#[test]
fn errors_match_serde_json_case_by_case() {
    for text in [
        "",
        " ",
        "{",
        "[",
        "[1",
        "[1,",
        "[1,]",
        "{\"a\"",
        "{\"a\":",
        "{\"a\" 1}",
        "{\"a\":1,}",
        "{\"a\":1 \"b\":2}",
        "{1:2}",
        "{,}",
        "tru",
        "trux",
        "nul",
        "-",
        "-x",
        "01",
        "1.",
        "1.x",
        "1e",
        "1e+",
        "1ex",
        "1e999",
        "1e99999999999",
        "0e99999999999",
        "-1e-99999999999",
        "\"abc",
        "\"a\\",
        "\"a\\x\"",
        "\"\\u12",
        "\"\\u12G4\"",
        "\"\\udc00\"",
        "\"\\ud800\"",
        "\"\\ud800x\"",
        "\"\\ud800\\x\"",
        "\"\\ud800\\u0041\"",
        "\"a\u{1}b\"",
        "[1] 2",
        "[1]\n\n x",
        "{\"a\":1}}",
        "\u{a0}",
        " \u{a0} ",
        "\u{a0}x",
        "1.\n",
        "[1\n,2,]",
        "\"\\ud83d\\ude00\"",
        "18446744073709551616",
        "-9223372036854775809",
        "[1e2, -0.5E-3]",
    ] {
        check(text, false).unwrap_or_else(|e| panic!("{e}"));
    }
    for text in [
        "",
        "\n\n",
        "{}\n{",
        "1\n2 3\n",
        "[1,\n2]",
        "\u{a0}\n1",
        "\"a\n\"",
        "1\r\n2\r\n",
        "1.\n",
    ] {
        check(text, true).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn json_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        (-1e6f64..1e6).prop_map(Json::from),
        "[a-c\"\\\\é\u{1}\n]{0,6}".prop_map(Json::String),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
            prop::collection::vec(("[a-d]{1,2}", inner), 0..5).prop_map(|kv| {
                // Repeated keys on purpose: serde_json's map would merge them.
                let mut text = String::from("{");
                for (i, (k, v)) in kv.iter().enumerate() {
                    if i > 0 {
                        text.push(',');
                    }
                    text.push_str(&format!("{}:{}", Json::String(k.clone()), v));
                }
                text.push('}');
                Json::String(format!("\u{0}raw{text}"))
            }),
        ]
    })
}

/// The text of a generated value; strings marked raw are objects written
/// as they are (so they may repeat keys).
fn render(v: &Json, pretty: bool) -> String {
    match v {
        Json::String(s) if s.starts_with("\u{0}raw") => s["\u{0}raw".len()..].to_string(),
        Json::Array(items) => {
            let sep = if pretty { ",\n  " } else { "," };
            let items: Vec<String> = items.iter().map(|v| render(v, pretty)).collect();
            format!("[{}]", items.join(sep))
        }
        other => other.to_string(),
    }
}

fn mutate(text: &str, edits: &[(usize, u8, u8)]) -> String {
    const ALPHABET: &[u8] = b"{}[],:\"\\ \n\t0123456789eE.+-tfnulrsa\xc3\xa9";
    let mut bytes = text.as_bytes().to_vec();
    for &(at, kind, c) in edits {
        let at = at % (bytes.len() + 1);
        let c = ALPHABET[c as usize % ALPHABET.len()];
        match kind % 3 {
            0 if at < bytes.len() => {
                bytes.remove(at);
            }
            1 => bytes.insert(at, c),
            _ if at < bytes.len() => bytes[at] = c,
            _ => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Valid facts read the same as serde_json reads them, compact or
    /// pretty, as a document or as JSON lines, whatever the buffer holds.
    #[test]
    fn valid_facts_read_as_serde_json_reads_them(v in json_value(), pretty: bool) {
        let text = render(&v, pretty);
        check(&text, false)?;
        check(&format!("{}\n{}\n", render(&v, false), render(&v, false)), true)?;
    }

    /// Broken facts fail with serde_json's message, line and column.
    #[test]
    fn broken_facts_fail_as_serde_json_does(
        v in json_value(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4),
    ) {
        let text = mutate(&render(&v, true), &edits);
        check(&text, false)?;
        check(&text, true)?;
    }
}

mod threads;
