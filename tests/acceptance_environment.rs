//! Hostile environments against the real binary (issue 17): unreadable
//! policy folders, FIFOs named like policies, reports into devices, FIFOs,
//! links and one file under two names, hard links kept by `fmt`, more
//! `--jobs` than threads, and inputs that used to exhaust memory or time
//! (run under an address-space cap where memory is the failure). Each
//! case sets up a scratch folder and must end within `hostile::LIMIT` with
//! exit 0, 1 or 2 and a message that says what happened.

mod hostile;

use hostile::*;
use std::path::PathBuf;
use std::process::Stdio;

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

/// The same for `--shard`: 600 facts files and `--jobs 600` under a cap
/// too small for 600 thread stacks (a worker thread per file panicked).
#[test]
fn more_shard_jobs_than_threads_falls_back() {
    let dir = scratch("shard-jobs");
    write(
        &dir,
        "p.onus",
        "use std\nservice s: iaas {}\ncontrol c {\n  service = s\n  layer = config\n  for x in facts.xs\n  require x > 0\n}\n",
    );
    let mut args = vec!["check".to_string(), "p.onus".into()];
    for i in 0..600 {
        write(&dir, &format!("f{i}.json"), "{\"xs\": [1, 2]}");
        args.extend(["--shard".to_string(), format!("f{i}.json")]);
    }
    args.extend(["--jobs".to_string(), "600".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = onus_capped(&dir, 700 << 20, &args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("1200 subjects"), "{}", o.stdout);
    assert!(o.stdout.contains("ok: 1 control: 1 pass"), "{}", o.stdout);
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

/// Reports (`diff`, `merge`, `--baseline`), OSCAL documents (`import`,
/// `framework … from`) and `fmt -` from an endless source are refused at
/// their first NUL byte or at their size limit, in 200 MB, where they were
/// read whole into memory.
#[cfg(target_os = "linux")]
#[test]
fn endless_reports_documents_and_policy_input_are_refused() {
    let dir = scratch("endless-reports");
    write(&dir, "p.onus", "use std\n");
    let zero = "cannot read report /dev/zero: a NUL byte at line 1, column 1: not text";
    for args in [
        &["diff", "/dev/zero", "/dev/zero"][..],
        &["merge", "/dev/zero"],
        &["check", "p.onus", "--baseline", "/dev/zero"],
    ] {
        let o = run(&dir, capped(200 << 20), args, Stdio::null());
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(
            o.stderr.contains(&format!("error[F030]: {zero}")),
            "{args:?}: {}",
            o.stderr
        );
    }
    let o = run(
        &dir,
        capped(200 << 20),
        &["import", "oscal", "/dev/zero"],
        Stdio::null(),
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("error[O101]: cannot read"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr
            .contains("/dev/zero: a NUL byte at line 1, column 1"),
        "{}",
        o.stderr
    );
    write(&dir, "f.onus", "use std\nframework z from \"/dev/zero\"\n");
    let o = run(&dir, capped(200 << 20), &["check", "f.onus"], Stdio::null());
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("a NUL byte at line 1, column 1: not text"),
        "{}",
        o.stderr
    );
    let zero = std::fs::File::open("/dev/zero").expect("/dev/zero");
    let o = run(&dir, capped(200 << 20), &["fmt", "-"], zero.into());
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains(
            "error[F001]: cannot read standard input: more than 4 MiB is over the limit of 4 MiB"
        ),
        "{}",
        o.stderr
    );
}
