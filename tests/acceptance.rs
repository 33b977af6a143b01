//! Hostile inputs against the real binary: each input is generated into a
//! temporary folder, `onus` runs on it, and must end within `hostile::LIMIT` with
//! exit 0, 1 or 2 and a message that says what happened: never a signal,
//! never a hang. The inputs are those of the reliability acceptance list
//! (issue 6), plus the unbracketed nesting chains the parser must refuse.
//! Each run's time is printed (`-- --nocapture`); unoptimised, the slowest
//! (the budget stopping the cubic product) takes about 8 seconds.

mod hostile;

use hostile::*;

use std::process::Stdio;

/// Deterministic pseudo-random bytes (xorshift64*).
fn random_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        out.extend_from_slice(&seed.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}

#[test]
fn a_hundred_thousand_nested_parentheses_in_a_policy() {
    let dir = scratch("parens");
    let n = 100_000;
    write(
        &dir,
        "p.onus",
        format!("let x = {}1{}\n", "(".repeat(n), ")".repeat(n)),
    );
    let o = onus(&dir, &["check", "p.onus"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("P005") && o.stderr.contains("nesting too deep"),
        "{}",
        o.stderr
    );
}

#[test]
fn unbracketed_nesting_chains_in_a_policy() {
    let dir = scratch("chains");
    let n = 100_000;
    let chains = [
        format!("let x = {}0\n", "if true then 1 else ".repeat(n)),
        format!(
            "let xs = [1]\nlet x = {}true\n",
            "all a in xs: all b in xs: ".repeat(n / 2)
        ),
        format!("let x = {}1{}\n", "\"{".repeat(n), "}\"".repeat(n)),
        format!("let x = {}true\n", "not ".repeat(5 * n)),
        format!("let x = {}1\n", "1 + ".repeat(n)),
    ];
    for (i, chain) in chains.iter().enumerate() {
        let file = format!("chain{i}.onus");
        write(&dir, &file, chain);
        let o = onus(&dir, &["check", &file]);
        assert_eq!(o.code, 2);
        assert!(o.stderr.contains("P005"), "{}", o.stderr);
        assert!(o.stderr.len() < 2_000, "one short diagnostic: {}", o.stderr);
    }
}

#[test]
fn two_megabytes_of_random_bytes_as_a_policy() {
    let dir = scratch("random");
    write(&dir, "bytes.onus", random_bytes(2 << 20, 0x5eed));
    let o = onus(&dir, &["check", "bytes.onus"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("F003") && o.stderr.contains("not valid UTF-8"),
        "{}",
        o.stderr
    );
    // Random text that is valid UTF-8: every error, but at most a screenful.
    let printable: Vec<u8> = random_bytes(2 << 20, 7)
        .into_iter()
        .map(|b| b" \n\"{}()[]<>=+-*/%?.,:$#@!~^&|;'`abcxyz0123456789"[usize::from(b) % 47])
        .collect();
    write(&dir, "text.onus", printable);
    let o = onus(&dir, &["check", "text.onus"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("P006"),
        "{}",
        &o.stderr[o.stderr.len().saturating_sub(2_000)..]
    );
}

#[test]
fn invalid_utf8_policy_and_facts() {
    let dir = scratch("utf8");
    write(&dir, "p.onus", b"use std\nlet x = \"caf\xe9\"\n");
    let o = onus(&dir, &["check", "p.onus"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("F003") && o.stderr.contains("p.onus:2:"),
        "{}",
        o.stderr
    );
    write(&dir, "b.onus", BUCKETS);
    write(&dir, "f.json", b"{\"buckets\": [{\"name\": \"\xff\"}]}");
    let o = onus(&dir, &["check", "b.onus", "--facts", "f.json"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("F011") && o.stderr.contains("f.json:1:"),
        "{}",
        o.stderr
    );
}

/// Facts nested as deep as the limit allows are printed, compared and
/// searched on evaluation threads (`--jobs 2`) without exhausting a stack.
#[test]
fn facts_at_the_nesting_limit_are_evaluated_on_threads() {
    let dir = scratch("deepest");
    let policy = "use std\nservice s: iaas {}\ncontrol deep {\n  service = s\n  layer = config\n  for x in facts.xs\n  require x == x and contains(to_string(x), \"1\") and x in facts.xs else \"{x}\"\n}\n";
    write(&dir, "p.onus", policy);
    // `{"xs": [` is two levels, the rest fill the limit exactly.
    let n = 512 - 2;
    let deepest = format!("{}1{}", "[".repeat(n), "]".repeat(n));
    write(
        &dir,
        "f.json",
        format!("{{\"xs\": [{deepest}, {deepest}]}}"),
    );
    let o = onus(
        &dir,
        &["check", "p.onus", "--facts", "f.json", "--jobs", "2"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    write(&dir, "g.json", format!("{{\"xs\": [[{deepest}]]}}"));
    let o = onus(&dir, &["check", "p.onus", "--facts", "g.json"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("g.json:1:519"), "{}", o.stderr);
}

#[test]
fn a_hundred_thousand_nested_arrays_as_facts() {
    let dir = scratch("arrays");
    write(&dir, "b.onus", BUCKETS);
    let n = 100_000;
    write(
        &dir,
        "f.json",
        format!("{{\"buckets\": {}{}}}", "[".repeat(n), "]".repeat(n)),
    );
    let o = onus(&dir, &["check", "b.onus", "--facts", "f.json"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("nest more than 512 levels"),
        "{}",
        o.stderr
    );
    write(
        &dir,
        "o.json",
        format!("{}1{}", "{\"a\": ".repeat(n), "}".repeat(n)),
    );
    let o = onus(&dir, &["check", "b.onus", "--facts", "o.json"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("o.json:1:"), "{}", o.stderr);
}

/// The budget stops 27 billion iterations in seconds, naming the control
/// and the flag that raises it.
#[test]
fn a_cubic_cross_product_over_three_thousand_items() {
    let dir = scratch("cubic");
    write(
        &dir,
        "p.onus",
        "use std\nservice s: iaas {}\ncontrol cubic {\n  service = s\n  layer = config\n  require all a in facts.xs: all b in facts.xs: all c in facts.xs: a.v + b.v + c.v >= 0\n}\n",
    );
    let xs: Vec<String> = (0..3_000).map(|i| format!("{{\"v\": {i}}}")).collect();
    write(&dir, "f.json", format!("{{\"xs\": [{}]}}", xs.join(",")));
    let o = onus(&dir, &["check", "p.onus", "--facts", "f.json"]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("L001") && o.stderr.contains("control `cubic` stopped"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("--max-steps"), "{}", o.stderr);
}

#[test]
fn missing_directory_and_empty_facts() {
    let dir = scratch("facts-files");
    write(&dir, "b.onus", BUCKETS);
    let _ = std::fs::create_dir_all(dir.join("folder"));
    write(&dir, "empty.json", "");
    for (facts, says) in [
        (
            "nowhere.json",
            "cannot read facts nowhere.json: no such file",
        ),
        ("folder", "cannot read facts folder: is a directory"),
        ("empty.json", "invalid facts empty.json: the file is empty"),
    ] {
        let o = onus(&dir, &["check", "b.onus", "--facts", facts]);
        assert_eq!(o.code, 2);
        assert!(o.stderr.contains(says), "{}", o.stderr);
    }
}

/// The name is read, checked and reported whole; nothing about its size
/// is a problem.
#[test]
fn a_fifty_megabyte_string_in_facts() {
    let dir = scratch("string");
    write(&dir, "b.onus", BUCKETS);
    let name = "n".repeat(50 << 20);
    write(
        &dir,
        "f.json",
        format!(
            "{{\"buckets\": [{{\"name\": \"{name}\", \"public\": true}}, {{\"name\": \"small\", \"public\": false}}]}}"
        ),
    );
    let o = onus(&dir, &["check", "b.onus", "--facts", "f.json"]);
    assert_eq!(o.code, 1);
    assert!(o.stdout.contains(&format!("bucket {name} is public")));
    assert!(o.stdout.contains("2 subjects"));
}

#[test]
fn a_million_subjects() {
    let dir = scratch("million");
    write(&dir, "b.onus", BUCKETS);
    let buckets: Vec<String> = (0..1_000_000)
        .map(|i| format!("{{\"name\": \"b{i}\", \"public\": {}}}", i % 100_000 == 7))
        .collect();
    write(
        &dir,
        "f.json",
        format!("{{\"buckets\": [{}]}}", buckets.join(",\n")),
    );
    let o = onus(&dir, &["check", "b.onus", "--facts", "f.json"]);
    assert_eq!(o.code, 1);
    assert!(o.stdout.contains("1000000 subjects"), "{}", o.stdout);
    assert_eq!(o.stdout.matches("is public").count(), 10);
}

/// `use` cycles load each file once; recursion is refused statically.
#[test]
fn a_use_cycle_and_a_recursive_fn() {
    let dir = scratch("cycles");
    write(&dir, "a.onus", "use \"b.onus\"\nlet a = 1\n");
    write(&dir, "b.onus", "use \"a.onus\"\nlet b = a + 1\n");
    let o = onus(&dir, &["check", "a.onus"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    write(
        &dir,
        "r.onus",
        "fn f(x) = if x > 0 then f(x - 1) else 0\nlet y = f(3)\n",
    );
    let o = onus(&dir, &["check", "r.onus"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("T003") && o.stderr.contains("refers to itself"),
        "{}",
        o.stderr
    );
}

/// Facts from `/dev/zero` (a file, or standard input) and `/dev/urandom`
/// are not JSON from their first byte: refused there, at once, in 200 MB.
#[cfg(target_os = "linux")]
#[test]
fn endless_binary_facts_are_refused_at_their_first_byte() {
    let dir = scratch("dev-zero");
    write(&dir, "b.onus", BUCKETS);
    let check = ["check", "b.onus", "--facts"];
    let o = run(
        &dir,
        capped(200 << 20),
        &[&check[..], &["/dev/zero"]].concat(),
        Stdio::null(),
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("error[F011]: invalid facts /dev/zero: a NUL byte"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("/dev/zero:1:1"), "{}", o.stderr);
    let zero = std::fs::File::open("/dev/zero").expect("/dev/zero");
    let o = run(
        &dir,
        capped(200 << 20),
        &[&check[..], &["-"]].concat(),
        zero.into(),
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("error[F011]: invalid facts <stdin>: a NUL byte"),
        "{}",
        o.stderr
    );
    let o = run(
        &dir,
        capped(200 << 20),
        &[&check[..], &["/dev/urandom"]].concat(),
        Stdio::null(),
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("error[F011]: invalid facts /dev/urandom"),
        "{}",
        o.stderr
    );
}

/// `--max-facts-size` caps what one input may take; past it, F014.
#[test]
fn the_facts_size_limit_is_a_flag() {
    let dir = scratch("max-facts-size");
    write(&dir, "b.onus", BUCKETS);
    let buckets: String = (0..40_000)
        .map(|i| format!("{{\"name\": \"b{i}\", \"public\": false}},"))
        .collect();
    write(
        &dir,
        "f.json",
        format!("{{\"buckets\": [{}]}}", buckets.trim_end_matches(',')),
    );
    let o = onus(
        &dir,
        &[
            "check",
            "b.onus",
            "--facts",
            "f.json",
            "--max-facts-size",
            "1M",
        ],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("error[F014]: facts f.json take more than the limit of 1 MiB"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("--max-facts-size"), "{}", o.stderr);
    let o = onus(
        &dir,
        &[
            "check",
            "b.onus",
            "--facts",
            "f.json",
            "--max-facts-size",
            "8M",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = onus(
        &dir,
        &[
            "check",
            "b.onus",
            "--facts",
            "f.json",
            "--max-facts-size",
            "lots",
        ],
    );
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("is not a size"), "{}", o.stderr);
}

/// Under an address-space limit (`ulimit -v 400000`), facts that need more
/// memory than that end as F014 with the file's size, not an abort.
#[cfg(target_os = "linux")]
#[test]
fn facts_larger_than_memory_are_an_error_not_an_abort() {
    let dir = scratch("facts-memory");
    write(&dir, "b.onus", BUCKETS);
    // 100 MB of small numbers: eight bytes of arena for every two of text.
    let mut text = String::with_capacity(100 << 20);
    // Exactly 100 MiB: an odd start, pairs, then three bytes.
    text.push_str("{\"buckets\": [], \"n\": [ ");
    while text.len() < (100 << 20) - 3 {
        text.push_str("0,");
    }
    text.push_str("0]}");
    write(&dir, "big.json", &text);
    drop(text);
    let o = run(
        &dir,
        capped(400_000 << 10),
        &["check", "b.onus", "--facts", "big.json"],
        Stdio::null(),
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("error[F014]: not enough memory to read facts big.json (100 MiB)"),
        "{}",
        o.stderr
    );
}

/// Issue 10: the join of 10,000 buckets with 10,000 access blocks, which
/// a nested `any` took past the budget, written with an object
/// comprehension: every subject gets its verdict, and none errors. A third
/// of the buckets have no block, a third a block that does not block, and
/// the blocks come in reverse order.
#[test]
fn a_ten_thousand_by_ten_thousand_join() {
    let dir = scratch("join");
    write(
        &dir,
        "j.onus",
        "use std\nservice store: object_storage {}\n\
         let blocks = { p.bucket: p for p in facts.blocks }\n\
         control blocked {\n  service = store\n  layer = exposure\n  for b in facts.buckets\n  key b.name\n\
         \x20 require blocks[b.name]?.block_public ?? false else \"bucket {b.name} is not blocked\"\n}\n",
    );
    let n = 10_000;
    let buckets: Vec<String> = (0..n).map(|i| format!("{{\"name\": \"b{i}\"}}")).collect();
    let blocks: Vec<String> = (0..n)
        .rev()
        .filter(|i| i % 3 != 0)
        .map(|i| format!("{{\"bucket\": \"b{i}\", \"block_public\": {}}}", i % 3 == 1))
        .collect();
    write(
        &dir,
        "f.json",
        format!(
            "{{\"buckets\": [{}], \"blocks\": [{}]}}",
            buckets.join(","),
            blocks.join(",")
        ),
    );
    let o = onus(
        &dir,
        &["check", "j.onus", "--facts", "f.json", "--format", "json"],
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    let report: serde_json::Value = serde_json::from_str(&o.stdout).expect("a JSON report");
    let control = &report["controls"][0];
    assert_eq!(control["subjects"], n);
    assert_eq!(control["errors"].as_array().map(Vec::len), Some(0));
    let failing: Vec<i64> = control["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["key"].as_str()?.strip_prefix('b')?.parse().ok())
        .collect();
    let expected: Vec<i64> = (0..n as i64).filter(|i| i % 3 != 1).collect();
    assert_eq!(failing, expected);
}
