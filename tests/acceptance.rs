//! Hostile inputs against the real binary: each input is generated into a
//! temporary folder, `onus` runs on it, and must end within 60 seconds with
//! exit 0, 1 or 2 and a message that says what happened: never a signal,
//! never a hang. The inputs are those of the reliability acceptance list
//! (issue 6), plus the unbracketed nesting chains the parser must refuse.
//! Each run's time is printed (`-- --nocapture`); unoptimised, the slowest
//! (the budget stopping the cubic product) takes about 8 seconds.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The bound against hangs: generous, because the tests run the debug
/// build, in parallel, on machines shared with other builds (the 50 million
/// steps of the cubic case took 80 s so on a loaded 2-core machine).
const LIMIT: Duration = Duration::from_secs(240);

/// A fresh temporary folder for one test, removed with everything in it
/// when the test ends (some inputs are tens of megabytes).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("onus-acceptance-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    Scratch(dir)
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `onus ARGS` in `dir`; fails the test on a signal or after `LIMIT`.
fn onus(dir: &Path, args: &[&str]) -> Outcome {
    run(
        dir,
        Command::new(env!("CARGO_BIN_EXE_onus")),
        args,
        Stdio::null(),
    )
}

/// Runs `command ARGS` (`onus`, or a wrapper that runs it) in `dir`, with
/// this standard input.
fn run(dir: &Path, mut command: Command, args: &[&str], stdin: Stdio) -> Outcome {
    let started = Instant::now();
    let mut child = command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("onus starts");
    // Drain both pipes while waiting, so a large report cannot block it.
    let reader = drain(child.stdout.take().expect("stdout"));
    let err_reader = drain(child.stderr.take().expect("stderr"));
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("onus {args:?} ran for more than {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let stdout = reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let Some(code) = status.code() else {
        panic!(
            "onus {args:?} was ended by a signal ({status}):\n{}",
            String::from_utf8_lossy(&stderr)
        );
    };
    let case = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    eprintln!(
        "{case}: onus {}: exit {code} in {elapsed:.2?}",
        args.join(" ")
    );
    assert!(matches!(code, 0..=2), "onus {args:?} exited {code}");
    Outcome {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Reads a pipe to its end on a thread of its own.
fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), content).expect("scratch file written");
}

/// A policy with one control over `facts.buckets` (all must be private).
const BUCKETS: &str = "use std
service store: object_storage {}
control private {
  service = store
  layer = exposure
  for b in facts.buckets
  key b.name
  require not b.public else \"bucket {b.name} is public\"
}
";

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

/// `onus` with its address space capped at `bytes` (by `prlimit`, as
/// `ulimit -v` would): memory it tries to take beyond that is refused.
fn capped(bytes: u64) -> Command {
    let mut command = Command::new("prlimit");
    command
        .arg(format!("--as={bytes}"))
        .arg(env!("CARGO_BIN_EXE_onus"));
    command
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

/// `onus ARGS` run by `command` (`onus` itself, or a wrapper).
fn onus_with(dir: &Path, args: &[&str], command: Command) -> Outcome {
    run(dir, command, args, Stdio::null())
}

/// `onus ARGS` under `prlimit --as=BYTES`: an address-space cap, so that
/// memory growth is an allocation failure (a signal) instead of a slow
/// machine.
fn onus_capped(dir: &Path, address_space: u64, args: &[&str]) -> Outcome {
    run(dir, capped(address_space), args, Stdio::null())
}

/// Whether the tests run as root (CI does): root reads every file, so an
/// unreadable-file case drops to an unprivileged user instead.
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// `onus ARGS` as the unprivileged user `nobody` when the tests run as
/// root, so that file permissions apply; as the user itself otherwise.
fn onus_unprivileged(dir: &Path, args: &[&str]) -> Outcome {
    let mut command = Command::new(env!("CARGO_BIN_EXE_onus"));
    if is_root() {
        use std::os::unix::process::CommandExt;
        command.uid(65534).gid(65534);
    }
    onus_with(dir, args, command)
}

/// Runs `program ARGS` (a setup tool: `mkfifo`, `mknod`, `ln`), failing
/// the test when it does not succeed.
fn setup(program: &str, args: &[&str]) {
    let status = Command::new(program).args(args).status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "{program} {args:?} failed"
    );
}

fn mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("permissions set");
}

/// A policy directory with a subdirectory onus cannot read: the control
/// inside it is never read, so the run must not look clean.
#[test]
fn an_unreadable_policy_directory_is_an_error() {
    let dir = scratch("unreadable");
    let policies = dir.join("policies");
    std::fs::create_dir_all(policies.join("locked")).expect("folders made");
    write(&policies, "a.onus", BUCKETS);
    write(
        &policies,
        "locked/b.onus",
        "control failing {\n  service = store\n  layer = exposure\n  require false\n}\n",
    );
    mode(&policies.join("locked"), 0o000);
    let o = onus_unprivileged(&dir, &["check", "policies"]);
    let f = onus_unprivileged(&dir, &["fmt", "--check", "policies"]);
    mode(&policies.join("locked"), 0o755);
    assert_eq!(o.code, 2, "{}", o.stdout);
    assert!(
        o.stderr.contains("F001")
            && o.stderr
                .contains("cannot read directory policies/locked: permission denied"),
        "{}",
        o.stderr
    );
    assert_eq!(f.code, 2);
    assert!(
        f.stderr.contains("cannot read directory policies/locked"),
        "{}",
        f.stderr
    );
    // The policy directory itself unreadable: `fmt --check` said nothing.
    mode(&policies, 0o000);
    let f = onus_unprivileged(&dir, &["fmt", "--check", "policies"]);
    let o = onus_unprivileged(&dir, &["check", "policies"]);
    mode(&policies, 0o755);
    for o in [f, o] {
        assert_eq!(o.code, 2);
        assert!(
            o.stderr
                .contains("cannot read directory policies: permission denied"),
            "{}",
            o.stderr
        );
    }
}

/// A FIFO named like a policy would block the read forever (the test's
/// time limit is the failure); it is named and refused instead.
#[test]
fn a_fifo_named_like_a_policy_is_refused_not_read() {
    let dir = scratch("fifo-policy");
    let policies = dir.join("policies");
    std::fs::create_dir_all(&policies).expect("folder made");
    write(&policies, "a.onus", BUCKETS);
    setup("mkfifo", &[&policies.join("pipe.onus").to_string_lossy()]);
    for args in [&["check", "policies"][..], &["fmt", "--check", "policies"]] {
        let o = onus(&dir, args);
        assert_eq!(o.code, 2);
        assert!(
            o.stderr.contains("F001")
                && o.stderr
                    .contains("cannot read policy policies/pipe.onus: a FIFO, not a regular file"),
            "{}",
            o.stderr
        );
    }
}

/// `--output` to a device, a FIFO or a link writes through it: the device
/// node and the link stay what they are (the atomic write used to rename
/// a regular file over them).
#[test]
fn reports_go_through_links_and_into_devices_and_fifos() {
    let dir = scratch("output-kinds");
    write(&dir, "p.onus", BUCKETS);
    // A device node of our own when root (the real /dev/null is not put
    // at risk); otherwise /dev/null itself, which a rename cannot replace.
    let null = if is_root() {
        setup(
            "mknod",
            &[&dir.join("null").to_string_lossy(), "c", "1", "3"],
        );
        dir.join("null")
    } else {
        PathBuf::from("/dev/null")
    };
    let o = onus(
        &dir,
        &[
            "check",
            "p.onus",
            "--format",
            "json",
            "--output",
            &null.to_string_lossy(),
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let kind = std::fs::symlink_metadata(&null)
        .expect("still there")
        .file_type();
    assert!(
        std::os::unix::fs::FileTypeExt::is_char_device(&kind),
        "{} is no longer a device",
        null.display()
    );
    // A link (like /dev/stdout) is written through to its target.
    write(&dir, "real.json", "old");
    std::os::unix::fs::symlink(dir.join("real.json"), dir.join("link.json")).expect("link made");
    let o = onus(&dir, &["check", "p.onus", "--format", "json=link.json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let link = std::fs::symlink_metadata(dir.join("link.json")).expect("link kept");
    assert!(link.file_type().is_symlink());
    let real = std::fs::read_to_string(dir.join("real.json")).unwrap_or_default();
    assert!(real.contains("\"summary\""), "{real}");
    // A FIFO is written in place, to whoever reads it.
    let fifo = dir.join("report.fifo");
    setup("mkfifo", &[&fifo.to_string_lossy()]);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap_or_default())
    };
    let o = onus(&dir, &["check", "p.onus", "--format", "json=report.fifo"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(reader.join().unwrap_or_default().contains("\"summary\""));
    let kind = std::fs::symlink_metadata(&fifo)
        .expect("still there")
        .file_type();
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(&kind));
}

/// Two formats into one file under two names: refused, not overwritten.
#[test]
fn one_report_file_named_twice_is_refused() {
    let dir = scratch("output-alias");
    write(&dir, "p.onus", BUCKETS);
    std::fs::create_dir_all(dir.join("sub")).expect("folder made");
    for (a, b) in [("r.json", "./r.json"), ("r.json", "sub/../r.json")] {
        let o = onus(
            &dir,
            &[
                "check",
                "p.onus",
                "--format",
                &format!("json={a}"),
                "--format",
                &format!("sarif={b}"),
            ],
        );
        assert_eq!(o.code, 2);
        assert!(
            o.stderr
                .contains(&format!("json and sarif would both be written to {b}")),
            "{}",
            o.stderr
        );
    }
    write(&dir, "r.json", "");
    std::os::unix::fs::symlink("r.json", dir.join("alias.json")).expect("link made");
    let o = onus(
        &dir,
        &[
            "check",
            "p.onus",
            "--format",
            "json",
            "--output",
            "r.json",
            "--format",
            "sarif",
            "--output",
            "alias.json",
        ],
    );
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("would both be written to alias.json"),
        "{}",
        o.stderr
    );
}

/// `onus fmt` on a file with two hard links rewrites the file both names
/// share, instead of splitting them.
#[test]
fn fmt_keeps_hard_links_together() {
    use std::os::unix::fs::MetadataExt;
    let dir = scratch("fmt-links");
    write(&dir, "a.onus", "let   x =   1\n");
    std::fs::hard_link(dir.join("a.onus"), dir.join("b.onus")).expect("link made");
    let o = onus(&dir, &["fmt", "a.onus"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (a, b) = (
        std::fs::metadata(dir.join("a.onus")).expect("a"),
        std::fs::metadata(dir.join("b.onus")).expect("b"),
    );
    assert_eq!((a.ino(), a.nlink()), (b.ino(), 2), "the links were split");
    let text = std::fs::read_to_string(dir.join("b.onus")).unwrap_or_default();
    assert_eq!(text, "let x = 1\n");
}

/// More `--jobs` than the process may start threads (here: an address
/// space too small for 600 thread stacks): fewer threads, same answer.
#[test]
fn more_jobs_than_threads_falls_back() {
    let dir = scratch("jobs");
    let mut policy = String::from("use std\nservice s: iaas {}\n");
    for i in 0..600 {
        policy.push_str(&format!(
            "control c{i} {{\n  service = s\n  layer = config\n  for x in facts.xs\n  require x > 0\n}}\n"
        ));
    }
    write(&dir, "p.onus", policy);
    write(&dir, "f.json", "{\"xs\": [1, 2, 3]}");
    let o = onus_capped(
        &dir,
        700 << 20,
        &["check", "p.onus", "--facts", "f.json", "--jobs", "600"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("600 controls: 600 pass"), "{}", o.stdout);
}

/// A 25 MB list literal used to take more than 4 GiB to parse; policies
/// above the size limit are refused before they are read, under a cap
/// that the old parse would have exceeded.
#[test]
fn a_twenty_five_megabyte_list_literal_is_refused() {
    let dir = scratch("list-literal");
    let items = vec!["1"; 12_500_000].join(",");
    write(&dir, "big.onus", format!("let xs = [{items}]\n"));
    let o = onus_capped(&dir, 1 << 30, &["check", "big.onus"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("F001")
            && o.stderr.contains(
                "cannot read policy big.onus: 23.8 MiB is over the limit of 4 MiB for a policy file"
            )
            && o.stderr.contains("--max-policy-bytes N"),
        "{}",
        o.stderr
    );
    let o = onus_capped(&dir, 1 << 30, &["fmt", "--check", "big.onus"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("over the limit of 4 MiB"), "{}", o.stderr);
    // The limit is a flag: a small list under a smaller limit is refused,
    // and read under the default.
    let items = vec!["1"; 50_000].join(",");
    write(&dir, "small.onus", format!("let xs = [{items}]\n"));
    let o = onus(
        &dir,
        &["check", "small.onus", "--max-policy-bytes", "65536"],
    );
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("97.7 KiB is over the limit of 64 KiB for a policy file"),
        "{}",
        o.stderr
    );
    let o = onus(&dir, &["check", "small.onus"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

/// `replace` over 100 KB of facts would build 10 GB, and a join over the
/// cross product of 6 MB of facts a list of 36 billion bytes: both used to
/// abort on allocation failure. The bytes they build are charged to the
/// budget before they are allocated, so both stop as L001 under a cap.
/// A smaller budget than the default keeps the debug build quick; by hand,
/// the default (56 million steps here) peaked at 0.95 GB resident.
#[test]
fn amplifying_built_ins_stop_at_the_budget() {
    let dir = scratch("amplify");
    write(
        &dir,
        "p.onus",
        "use std\nservice s: iaas {}\n\
         control grow {\n  service = s\n  layer = config\n  require len(replace(facts.s, \"a\", facts.s)) > 0\n}\n\
         control pairs {\n  service = s\n  layer = config\n  require len(join([join([a + b for b in facts.xs], \",\") for a in facts.xs], \",\")) > 0\n}\n",
    );
    let xs: Vec<String> = (0..60_000).map(|i| format!("\"{i:0>98}\"")).collect();
    write(
        &dir,
        "f.json",
        format!(
            "{{\"s\": \"{}\", \"xs\": [{}]}}",
            "a".repeat(100_000),
            xs.join(",")
        ),
    );
    let o = onus_capped(
        &dir,
        2 << 30,
        &[
            "check",
            "p.onus",
            "--facts",
            "f.json",
            "--max-steps",
            "20000000",
        ],
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    for control in ["grow", "pairs"] {
        assert!(
            o.stderr.contains(&format!("control `{control}` stopped")),
            "{}",
            o.stderr
        );
    }
    assert!(o.stderr.contains("L001"), "{}", o.stderr);
}

/// Ten thousand policy files: loading used to compare each new file with
/// every loaded one (52 s in release); a bound only against that hang.
#[test]
fn ten_thousand_policy_files_load() {
    let dir = scratch("many-files");
    let policies = dir.join("policies");
    std::fs::create_dir_all(&policies).expect("folder made");
    write(&policies, "main.onus", "use std\nservice s: iaas {}\n");
    for i in 0..10_000 {
        write(
            &policies,
            &format!("c{i}.onus"),
            format!(
                "use std\ncontrol c{i} {{\n  service = s\n  layer = config\n  require true\n}}\n"
            ),
        );
    }
    let o = onus(&dir, &["check", "policies"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("10000 controls"),
        "{}",
        &o.stdout[o.stdout.len().saturating_sub(300)..]
    );
}
