//! Compiled patterns, cached per run: regular expressions (`matches`,
//! `regex_*`) and globs (`glob`). A pattern text in, a matcher out; the
//! same text is compiled once per run whichever control asks, and each
//! machine charges the compilation to its own budget the first time it
//! uses a pattern (so budgets do not depend on which control came first).
//! An invalid pattern is cached too, as its error message.

use regex::{Regex, RegexBuilder};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Largest compiled size accepted for a pattern.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Distinct patterns kept per cache; past this, a machine's own cache
/// starts again and the shared one stops growing, so hostile facts (a
/// new pattern per subject) cannot grow memory without bound.
const CACHE_LIMIT: usize = 4096;

/// The budget steps compiling a pattern of `len` bytes costs.
pub fn compile_steps(len: usize) -> u64 {
    1_000 + 20 * len as u64
}

/// A glob (`*` any run, `?` one character, the rest literal), with fast
/// paths for the shapes IAM and file patterns mostly have.
pub enum Glob {
    Any,
    Exact(Box<str>),
    Prefix(Box<str>),
    Suffix(Box<str>),
    Regex(Regex),
}

impl Glob {
    pub fn is_match(&self, s: &str) -> bool {
        match self {
            Glob::Any => true,
            Glob::Exact(t) => s == &**t,
            Glob::Prefix(p) => s.starts_with(&**p),
            Glob::Suffix(p) => s.ends_with(&**p),
            Glob::Regex(re) => re.is_match(s),
        }
    }

    fn compile(pattern: &str, ignore_case: bool) -> Result<Glob, String> {
        let wild = |c: char| c == '*' || c == '?';
        if pattern == "*" || (!pattern.is_empty() && pattern.chars().all(|c| c == '*')) {
            return Ok(Glob::Any);
        }
        if !ignore_case {
            if !pattern.contains(wild) {
                return Ok(Glob::Exact(pattern.into()));
            }
            if let Some(p) = pattern.strip_suffix('*').filter(|p| !p.contains(wild)) {
                return Ok(Glob::Prefix(p.into()));
            }
            if let Some(p) = pattern.strip_prefix('*').filter(|p| !p.contains(wild)) {
                return Ok(Glob::Suffix(p.into()));
            }
        }
        let mut re = String::with_capacity(pattern.len() + 8);
        re.push_str(if ignore_case { "(?si)^" } else { "(?s)^" });
        let mut buf = [0u8; 4];
        for c in pattern.chars() {
            match c {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                c => re.push_str(&regex::escape(c.encode_utf8(&mut buf))),
            }
        }
        re.push('$');
        compile_regex(&re).map(Glob::Regex)
    }
}

fn compile_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| regex_error(&e))
}

/// The regex crate's message, on one line: its last line says what is
/// wrong (the lines before repeat the pattern and point into it).
fn regex_error(e: &regex::Error) -> String {
    let text = e.to_string();
    let reason = text.lines().last().unwrap_or(&text).trim();
    reason.strip_prefix("error: ").unwrap_or(reason).to_string()
}

type Compiled<T> = Result<Arc<T>, Arc<str>>;

/// One cache per kind of pattern, keyed by the pattern text.
#[derive(Default)]
pub struct Patterns {
    regexes: HashMap<Box<str>, Compiled<Regex>>,
    globs: HashMap<Box<str>, Compiled<Glob>>,
    globs_ignoring_case: HashMap<Box<str>, Compiled<Glob>>,
}

/// What a pattern is read as.
#[derive(Clone, Copy)]
pub enum Kind {
    Regex,
    Glob { ignore_case: bool },
}

impl Patterns {
    fn map<T: PatternKind>(&mut self, kind: Kind) -> &mut HashMap<Box<str>, Compiled<T>> {
        T::map(self, kind)
    }
}

/// Gives `Patterns` a map per compiled type.
pub trait PatternKind: Sized {
    fn map(p: &mut Patterns, kind: Kind) -> &mut HashMap<Box<str>, Compiled<Self>>;
    fn compile(pattern: &str, kind: Kind) -> Result<Self, String>;
}

impl PatternKind for Regex {
    fn map(p: &mut Patterns, _: Kind) -> &mut HashMap<Box<str>, Compiled<Regex>> {
        &mut p.regexes
    }

    fn compile(pattern: &str, _: Kind) -> Result<Regex, String> {
        compile_regex(pattern)
    }
}

impl PatternKind for Glob {
    fn map(p: &mut Patterns, kind: Kind) -> &mut HashMap<Box<str>, Compiled<Glob>> {
        match kind {
            Kind::Glob { ignore_case: true } => &mut p.globs_ignoring_case,
            _ => &mut p.globs,
        }
    }

    fn compile(pattern: &str, kind: Kind) -> Result<Glob, String> {
        Glob::compile(pattern, matches!(kind, Kind::Glob { ignore_case: true }))
    }
}

/// The run's patterns, shared by every control.
#[derive(Default)]
pub struct SharedPatterns {
    compiled: Mutex<Patterns>,
}

impl SharedPatterns {
    fn get<T: PatternKind>(&self, pattern: &str, kind: Kind) -> Compiled<T> {
        let lock = || self.compiled.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = lock().map::<T>(kind).get(pattern) {
            return found.clone();
        }
        // Compiled outside the lock: other controls go on meanwhile.
        let compiled: Compiled<T> = T::compile(pattern, kind).map(Arc::new).map_err(Arc::from);
        let mut all = lock();
        let map = all.map::<T>(kind);
        if map.len() < CACHE_LIMIT {
            map.insert(pattern.into(), compiled.clone());
        }
        compiled
    }
}

impl Patterns {
    /// The compiled `pattern`, and whether this cache lacked it (the caller
    /// then charges the compilation).
    pub fn get<T: PatternKind>(
        &mut self,
        shared: &SharedPatterns,
        pattern: &str,
        kind: Kind,
    ) -> (Compiled<T>, bool) {
        let map = self.map::<T>(kind);
        if let Some(found) = map.get(pattern) {
            return (found.clone(), false);
        }
        let compiled = shared.get::<T>(pattern, kind);
        if map.len() >= CACHE_LIMIT {
            map.clear();
        }
        map.insert(pattern.into(), compiled.clone());
        (compiled, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(p: &str, s: &str, ignore_case: bool) -> bool {
        Glob::compile(p, ignore_case).expect("compiles").is_match(s)
    }

    #[test]
    fn globs_match_like_iam() {
        assert!(glob("s3:Get*", "s3:GetObject", false));
        assert!(!glob("s3:Get*", "s3:PutObject", false));
        assert!(glob("*", "", false));
        assert!(glob("s3:*Object", "s3:GetObject", false));
        assert!(glob("ec2:?escribe*", "ec2:DescribeInstances", false));
        assert!(!glob("ec2:?escribe", "ec2:escribe", false));
        assert!(glob("S3:GET*", "s3:GetObject", true));
        assert!(!glob("S3:GET*", "s3:GetObject", false));
        // Everything but `*` and `?` is literal, regex metacharacters too.
        assert!(glob("s3:Get*[", "s3:GetObject[", false));
        assert!(!glob("a.c", "abc", false));
        assert!(glob("a*b*c", "a\nxbyc", false));
        assert!(glob("é?", "éü", false));
    }

    #[test]
    fn invalid_regexes_say_why_on_one_line() {
        let e = compile_regex("s3:Get*[").expect_err("invalid");
        assert!(!e.contains('\n'), "{e}");
        assert!(e.contains("unclosed character class"), "{e}");
    }
}
