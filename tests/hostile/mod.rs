//! What the hostile-input test binaries share (`acceptance`,
//! `acceptance_environment`): a scratch folder per test, and the real
//! `onus` binary run in it, directly, under an address-space cap or as an
//! unprivileged user; each run must end within `LIMIT` with exit 0, 1 or 2,
//! never a signal.
#![allow(
    dead_code,
    reason = "each test binary compiles this module and uses only part of it"
)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The bound against hangs: generous, because the tests run the debug
/// build, in parallel, on machines shared with other builds (the 50 million
/// steps of the cubic case took 80 s so on a loaded 2-core machine).
pub const LIMIT: Duration = Duration::from_secs(240);

/// A fresh temporary folder for one test, removed with everything in it
/// when the test ends (some inputs are tens of megabytes).
pub struct Scratch(pub PathBuf);

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

pub fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("onus-acceptance-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    Scratch(dir)
}

pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `onus ARGS` in `dir`; fails the test on a signal or after `LIMIT`.
pub fn onus(dir: &Path, args: &[&str]) -> Outcome {
    run(
        dir,
        Command::new(env!("CARGO_BIN_EXE_onus")),
        args,
        Stdio::null(),
    )
}

/// Runs `command ARGS` (`onus`, or a wrapper that runs it) in `dir`, with
/// this standard input.
pub fn run(dir: &Path, mut command: Command, args: &[&str], stdin: Stdio) -> Outcome {
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
pub fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

pub fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), content).expect("scratch file written");
}

/// `onus` with its address space capped at `bytes` (by `prlimit`, as
/// `ulimit -v` would): memory it tries to take beyond that is refused.
pub fn capped(bytes: u64) -> Command {
    let mut command = Command::new("prlimit");
    command
        .arg(format!("--as={bytes}"))
        .arg(env!("CARGO_BIN_EXE_onus"));
    command
}

/// `onus ARGS` run by `command` (`onus` itself, or a wrapper).
pub fn onus_with(dir: &Path, args: &[&str], command: Command) -> Outcome {
    run(dir, command, args, Stdio::null())
}

/// `onus ARGS` under `prlimit --as=BYTES`: an address-space cap, so that
/// memory growth is an allocation failure (a signal) instead of a slow
/// machine.
pub fn onus_capped(dir: &Path, address_space: u64, args: &[&str]) -> Outcome {
    run(dir, capped(address_space), args, Stdio::null())
}

/// Whether the tests run as root (CI does): root reads every file, so an
/// unreadable-file case drops to an unprivileged user instead.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// `onus ARGS` as the unprivileged user `nobody` when the tests run as
/// root, so that file permissions apply; as the user itself otherwise.
pub fn onus_unprivileged(dir: &Path, args: &[&str]) -> Outcome {
    let mut command = Command::new(env!("CARGO_BIN_EXE_onus"));
    if is_root() {
        use std::os::unix::process::CommandExt;
        command.uid(65534).gid(65534);
    }
    onus_with(dir, args, command)
}

/// Runs `program ARGS` (a setup tool: `mkfifo`, `mknod`, `ln`), failing
/// the test when it does not succeed.
pub fn setup(program: &str, args: &[&str]) {
    let status = Command::new(program).args(args).status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "{program} {args:?} failed"
    );
}

pub fn mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("permissions set");
}

/// A policy with one control over `facts.buckets` (all must be private).
pub const BUCKETS: &str = "use std
service store: object_storage {}
control private {
  service = store
  layer = exposure
  for b in facts.buckets
  key b.name
  require not b.public else \"bucket {b.name} is public\"
}
";
