//! The facts reader over several threads: a file cut at newlines and read
//! in parts must give what one read gives, errors at the same places.

use super::*;

/// What `split` reads from `text` in a file with `threads` threads (cut
/// wherever there are newlines), as JSON, or its error.
#[cfg(unix)]
fn split_read(text: &str, lines: bool, threads: usize) -> Result<Json, (String, usize, usize)> {
    use std::io::Write;
    let path = std::env::temp_dir().join(format!(
        "onus-split-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let mut file = std::fs::File::create(&path).expect("temporary file");
    file.write_all(text.as_bytes()).expect("written");
    let file = std::fs::File::open(&path).expect("reopened");
    let _ = std::fs::remove_file(&path);
    let limits = Limits {
        threads,
        ..Limits::default()
    };
    let read = split::read(&file, text.len() as u64, 0, lines, &limits);
    let facts = match read {
        None => Facts::read(
            text.as_bytes(),
            None,
            if lines {
                FactsFormat::JsonLines
            } else {
                FactsFormat::Json
            },
            &limits,
        ),
        Some(Ok((mut builder, root))) => {
            let parts = builder.finish().expect("parts");
            Ok(Facts::assemble(None, parts, builder, root))
        }
        Some(Err(e)) => Err(e),
    };
    match facts {
        Ok(facts) => Ok(crate::eval::Evaluator::root(&facts).to_json()),
        Err(e) => Err((e.message, e.line, e.column)),
    }
}

/// The pointer of the first place two values differ.
#[cfg(unix)]
fn difference(a: &Json, b: &Json) -> String {
    match (a, b) {
        (Json::Array(x), Json::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find(|(_, (x, y))| x != y)
            .map_or(String::new(), |(i, (x, y))| {
                format!("/{i}{}", difference(x, y))
            }),
        (Json::Object(x), Json::Object(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .find(|((k, v), (l, w))| k != l || v != w)
            .map_or(String::new(), |((k, v), (_, w))| {
                format!("/{k}{}", difference(v, w))
            }),
        _ => format!(": {a} != {b}"),
    }
}

#[cfg(unix)]
fn check_split(text: &str, lines: bool) -> Result<(), TestCaseError> {
    let want = ours(text, lines, 1 << 20);
    for threads in [2, 3, 5] {
        let got = split_read(text, lines, threads);
        let agree = match (&want, &got) {
            (Ok(a), Ok(b)) => a == b,
            (Err(a), Err(b)) => a == b,
            _ => false,
        };
        let short = |r: &Result<Json, (String, usize, usize)>| {
            let text = format!("{r:?}");
            text.chars().take(300).collect::<String>()
        };
        if let (Ok(a), Ok(b)) = (&want, &got) {
            prop_assert!(
                a == b,
                "{threads} threads: first difference at {}",
                difference(a, b)
            );
        }
        prop_assert!(
            agree,
            "{:?} ({threads} threads, lines: {lines}):\n want {}\n  got {}",
            text.chars().take(300).collect::<String>(),
            short(&want),
            short(&got)
        );
    }
    Ok(())
}

/// A document of the benchmark's shape: arrays of objects under a root
/// object, one element per line.
#[cfg(unix)]
fn inventory(n: usize) -> String {
    let mut text = String::from("{\"account\": {\"id\": \"a\"},\n\"buckets\": [\n");
    for i in 0..n {
        text.push_str(&format!(
            "{{\"name\": \"b{i}\", \"tags\": {{\"team\": \"t{}\"}}, \"n\": [{i}, {}]}}",
            i % 3,
            i * 2
        ));
        text.push_str(if i + 1 < n { ",\n" } else { "\n" });
    }
    text.push_str("],\n\"vms\": [\n");
    for i in 0..n {
        text.push_str(&format!(
            "{{\"id\": \"vm{i}\", \"age\": {i}}}{}\n",
            if i + 1 < n { "," } else { "" }
        ));
    }
    text.push_str("]}\n");
    text
}

/// How many parts the arena of `text` read on `threads` threads has: one
/// per thread whose reading was taken in (else one).
#[cfg(unix)]
fn parts_read(text: &str, lines: bool, threads: usize) -> usize {
    use std::io::Write;
    let path = std::env::temp_dir().join(format!("onus-parts-{}", std::process::id()));
    let mut file = std::fs::File::create(&path).expect("temporary file");
    file.write_all(text.as_bytes()).expect("written");
    let file = std::fs::File::open(&path).expect("reopened");
    let _ = std::fs::remove_file(&path);
    let limits = Limits {
        threads,
        ..Limits::default()
    };
    let (mut builder, _) = split::read(&file, text.len() as u64, 0, lines, &limits)
        .expect("cuts")
        .expect("valid");
    builder
        .finish()
        .expect("parts")
        .iter()
        .filter(|p| !p.nodes.is_empty())
        .count()
}

#[cfg(unix)]
#[test]
fn threads_read_what_one_thread_reads() {
    let text = inventory(500);
    check_split(&text, false).unwrap_or_else(|e| panic!("{e}"));
    // Each thread's guess held: its part was taken in (and after the part
    // it ends, the containers that were open in it were closed in another).
    assert_eq!(parts_read(&text, false, 2), 3);
    assert!(parts_read(&text, false, 4) > 4);
    let records: String = (0..300).map(|i| format!("{{\"id\": {i}}}\n")).collect();
    assert_eq!(parts_read(&records, true, 3), 4);
    // Every place a cut can fall, and what the parts meet there.
    for text in [
        "[\n1,\n2,\n3\n]",
        "[[\n1,\n[2,\n3]],\n4\n]\n",
        "{\"a\": [\n1,\n2],\n\"b\": \"x\",\n\"c\"\n: 1}",
        "{\"a\": [\n{\"k\": 1},\n{\"k\": 1, \"k\": 2}\n]}",
        "{\"k\": 1, \"a\": [\n1\n], \"k\": 2}",
        "[\n\"s\",\n\"t\"\n]",
        "[\n1,\n2\n] x",
        "[\n1,\n2\n",
        "[\n\"a\nb\"\n]",
        "{\"a\":\n[\n]\n}",
    ] {
        check_split(text, false).unwrap_or_else(|e| panic!("{e}"));
    }
    let lines = "{\"a\": 1}\n\n{\"a\": 2}\n{\"b\": [1,\n2]}\n{\"a\": 3}\n";
    check_split(lines, true).unwrap_or_else(|e| panic!("{e}"));
    let records: String = (0..300).map(|i| format!("{{\"id\": {i}}}\n")).collect();
    check_split(&records, true).unwrap_or_else(|e| panic!("{e}"));
    check_split(&format!("{records}{{\"id\": }}\n{records}"), true)
        .unwrap_or_else(|e| panic!("{e}"));
}

#[cfg(unix)]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Valid or broken, pretty-printed facts read the same on any number
    /// of threads as on one.
    #[test]
    fn threads_agree_with_one_thread(
        v in json_value(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..3),
    ) {
        let text = mutate(&render(&v, true), &edits);
        check_split(&text, false)?;
        check_split(&text, true)?;
    }
}

/// The digest of a file read by several threads (`split`, hashed by one
/// more) and of one read by one are both the SHA-256 of its bytes.
#[test]
fn a_file_read_in_parts_is_hashed_whole() {
    use sha2::Digest as _;
    let dir = std::env::temp_dir().join(format!("onus-split-digest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join("big.json");
    let mut text = String::from("[\n");
    while text.len() < (split::PARALLEL_FROM as usize) + (1 << 20) {
        text.push_str("{\"name\": \"b\", \"public\": false},\n");
    }
    text.push_str("{}]\n");
    std::fs::write(&path, &text).expect("facts written");
    let want: String = sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    for threads in [1, 2] {
        let limits = Limits {
            threads,
            ..Limits::default()
        };
        let file = std::fs::File::open(&path).expect("facts open");
        let facts = Facts::read_file(file, text.len() as u64, None, FactsFormat::Json, &limits)
            .expect("facts read");
        // Several parts: the split path was taken.
        assert_eq!(facts.parts.len() > 1, threads > 1, "parts");
        let digest = facts.digest().expect("a digest");
        assert_eq!(digest.sha256, want, "{threads} threads");
        assert_eq!(digest.bytes, text.len() as u64);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
