//! Tests that drive real external programs: Neovim's built-in LSP client
//! attached to `onus lsp`, the TextMate grammar under VS Code's tokenizer
//! (Node with vscode-textmate and vscode-oniguruma), and the HTML matrix
//! in headless Chromium (its layout at 900 and 1400 px in
//! `external/matrix_layout.rs`). A test whose program is not installed is reported
//! as ignored, never as passed; `.ci/run` installs them all.

use libtest_mimic::{Arguments, Failed, Trial};
use onus::lexer::{Token, lex};
use onus::source::FileId;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "external/matrix_layout.rs"]
mod matrix_layout;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// An executable on PATH.
fn program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Runs a command to its end, killing it after `limit`. Its output is
/// read while it runs, so a large output cannot block it.
fn run(command: &mut Command, limit: Duration) -> Result<std::process::Output, Failed> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{command:?} did not finish within {limit:?}").into());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Ok(std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

fn main() {
    let args = Arguments::from_args();
    let nvim = program(&["nvim"]);
    let node = program(&["node", "nodejs"]);
    let modules = root().join("editors/vscode/test/node_modules");
    let textmate_ready = node.is_some() && modules.join("vscode-textmate").is_dir();
    let chromium = program(&["chromium", "chromium-browser", "google-chrome"]);
    let trials = vec![
        Trial::test("neovim_lsp_client_receives_the_o003_diagnostic", {
            let nvim = nvim.clone();
            move || neovim(nvim.as_deref().unwrap_or(Path::new("nvim")))
        })
        .with_ignored_flag(nvim.is_none()),
        Trial::test("textmate_grammar_scopes_every_example", {
            let node = node.clone();
            move || textmate(node.as_deref().unwrap_or(Path::new("node")))
        })
        .with_ignored_flag(!textmate_ready),
        Trial::test(
            "textmate_grammar_lists_every_keyword_and_builtin",
            grammar_words,
        ),
        Trial::test(
            "vscode_extension_manifest_names_real_files",
            vscode_manifest,
        ),
        Trial::test("matrix_html_renders_in_headless_chromium", {
            let chromium = chromium.clone();
            move || matrix_in_chromium(chromium.as_deref().unwrap_or(Path::new("chromium")))
        })
        .with_ignored_flag(chromium.is_none()),
        Trial::test("matrix_html_layout_at_900_and_1400_px", {
            let chromium = chromium.clone();
            move || {
                matrix_layout::matrix_layout(chromium.as_deref().unwrap_or(Path::new("chromium")))
            }
        })
        .with_ignored_flag(chromium.is_none()),
    ];
    if nvim.is_none() {
        eprintln!("note: Neovim is not installed (apt-get install neovim): its test is ignored");
    }
    if !textmate_ready {
        eprintln!(
            "note: Node or the grammar's npm packages are missing (bash .ci/run installs them): the tokenizer test is ignored"
        );
    }
    if chromium.is_none() {
        eprintln!(
            "note: Chromium is not installed (apt-get install chromium): its test is ignored"
        );
    }
    libtest_mimic::run(&args, trials).exit();
}

/// Headless Neovim with its built-in LSP client, configured by the
/// documented editors/neovim/onus.lua, opens the claim example and gets
/// the O003 errors with their code and line, a hover, and std's source.
fn neovim(nvim: &Path) -> Result<(), Failed> {
    let claim = root().join("examples/regulated_db/_claim/provider_claim.onus");
    let out = std::env::temp_dir().join(format!("onus-nvim-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&out);
    let home = std::env::temp_dir().join(format!("onus-nvim-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let output = run(
        Command::new(nvim)
            .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
            .arg(format!(
                "luafile {}",
                root().join("tests/external/neovim.lua").display()
            ))
            .env("ONUS_BIN", env!("CARGO_BIN_EXE_onus"))
            .env("ONUS_CONFIG", root().join("editors/neovim/onus.lua"))
            .env("ONUS_FILE", &claim)
            .env("ONUS_OUT", &out)
            // Keep the user's Neovim state and logs out of it.
            .env("XDG_STATE_HOME", &home)
            .env("XDG_DATA_HOME", &home)
            .env("XDG_CACHE_HOME", &home)
            .current_dir(root()),
        Duration::from_secs(90),
    )?;
    let text = std::fs::read_to_string(&out).map_err(|e| {
        format!(
            "Neovim wrote no result ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })?;
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_dir_all(&home);
    let result: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    check(result["filetype"] == "onus", format!("filetype: {result}"))?;
    let diagnostics = result["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let source = std::fs::read_to_string(&claim).map_err(|e| e.to_string())?;
    // The lines of `owner = provider`, 0-based as Neovim counts them.
    let owner_lines: Vec<usize> = source
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "owner   = provider")
        .map(|(i, _)| i)
        .collect();
    check(owner_lines.len() == 4, format!("{owner_lines:?}"))?;
    let o003: Vec<&Value> = diagnostics.iter().filter(|d| d["code"] == "O003").collect();
    check(
        o003.len() == 4,
        format!("four O003 diagnostics: {diagnostics:?}"),
    )?;
    for (d, line) in o003.iter().zip(&owner_lines) {
        check(d["line"] == *line, format!("line {line}: {d}"))?;
        check(d["severity"] == 1, format!("an error: {d}"))?;
        check(d["source"] == "onus", format!("{d}"))?;
        let message = d["message"].as_str().unwrap_or_default();
        check(message.starts_with("misattribution:"), message.to_string())?;
    }
    let hover = result["hover"].as_str().unwrap_or_default();
    check(
        hover.contains("decides: **customer**"),
        format!("hover: {hover}"),
    )?;
    check(
        hover.contains("identity: customer operated_by provider"),
        format!("hover: {hover}"),
    )?;
    let definition = &result["definition"];
    check(
        definition["uri"] == "onus-std:///layers.onus",
        format!("definition: {definition}"),
    )?;
    let line = definition["line"].as_str().unwrap_or_default();
    check(
        line.starts_with("layer identity "),
        format!("std line: {line}"),
    )?;
    check(
        definition["modifiable"] == false,
        "std is read-only".to_string(),
    )
}

fn check(ok: bool, message: String) -> Result<(), Failed> {
    if ok { Ok(()) } else { Err(message.into()) }
}

/// Every policy the grammar is tried on: the examples, the grammar's own
/// example and the standard library.
fn policies() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![root().join("examples"), root().join("stdlib")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "onus") {
                files.push(path);
            }
        }
    }
    files.push(root().join("grammar/example.onus"));
    files.sort();
    files
}

/// What a piece of source must be scoped as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Keyword,
    Constant,
    EnumWord,
    String,
    Interpolation,
    Comment,
    Date,
    Duration,
}

impl Class {
    fn accepts(self, scopes: &[String]) -> bool {
        let has = |prefix: &str| scopes.iter().any(|s| s.starts_with(prefix));
        match self {
            Class::Keyword => has("keyword."),
            Class::Constant => has("constant.language."),
            Class::EnumWord => has("support.constant."),
            Class::String => has("string.quoted.double.onus"),
            Class::Interpolation => has("meta.interpolation.onus"),
            Class::Comment => has("comment.line."),
            Class::Date => has("constant.numeric.date.onus"),
            Class::Duration => has("constant.numeric.duration.onus"),
        }
    }
}

/// Words that act as keywords where they stand (SPEC's contextual words).
const CONTEXTUAL: &[&str] = &[
    "require",
    "extends",
    "operated_by",
    "accountable_to",
    "given",
    "expect",
    "passes",
    "fails",
    "until",
    "by",
    "because",
    "attest",
    "framework",
    "evidence",
    "period",
    "from",
];

/// The expected classes of one file's pieces, from onus's own lexer: byte
/// offset, text, class.
fn expectations(src: &str) -> Vec<(usize, String, Class)> {
    let lexed = lex(src, FileId(0));
    let tokens = &lexed.tokens;
    let mut out: Vec<(usize, String, Class)> = lexed
        .comments
        .iter()
        .map(|r| (r.start, src[r.clone()].to_string(), Class::Comment))
        .collect();
    let mut depth = 0usize;
    for (i, (token, range)) in tokens.iter().enumerate() {
        let text = src[range.clone()].to_string();
        let after_dot = i > 0 && tokens[i - 1].0 == Token::Dot;
        let is_key = matches!(tokens.get(i + 1), Some((Token::Colon | Token::Assign, _)));
        let class = match token {
            Token::Str(_) | Token::StrBegin(_) | Token::StrMid(_) | Token::StrEnd(_) => {
                Some(Class::String)
            }
            Token::Date(_) => Some(Class::Date),
            Token::Duration(_) => Some(Class::Duration),
            Token::True | Token::False | Token::Null if !after_dot && !is_key => {
                Some(Class::Constant)
            }
            Token::None if !after_dot && !is_key => {
                let quantifier = matches!(
                    (tokens.get(i + 1), tokens.get(i + 2), tokens.get(i + 4)),
                    (Some((Token::Ident(_), _)), Some((Token::In, _)), _)
                        | (
                            Some((Token::Ident(_), _)),
                            Some((Token::Comma, _)),
                            Some((Token::In, _))
                        )
                );
                Some(if quantifier {
                    Class::Keyword
                } else {
                    Class::EnumWord
                })
            }
            Token::Ident(word) if CONTEXTUAL.contains(word) && !after_dot && !is_key => {
                Some(Class::Keyword)
            }
            Token::Ident(word)
                if onus::value::Word::parse(word).is_some() && !after_dot && !is_key =>
            {
                Some(Class::EnumWord)
            }
            t if t.keyword().is_some() && !after_dot && !is_key => Some(Class::Keyword),
            _ => None,
        };
        match token {
            Token::StrBegin(_) => depth += 1,
            Token::StrEnd(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        let inside = depth > 0 && !matches!(token, Token::StrBegin(_) | Token::StrMid(_));
        if inside {
            out.push((range.start, text.clone(), Class::Interpolation));
        }
        if let Some(class) = class {
            out.push((range.start, text, class));
        }
    }
    out
}

/// Each example tokenized as VS Code would: every keyword, literal
/// constant, enum word, string, interpolated expression, comment, date and
/// duration that onus's lexer finds gets its scope.
fn textmate(node: &Path) -> Result<(), Failed> {
    let files = policies();
    let output = run(
        Command::new(node)
            .arg(root().join("editors/vscode/test/tokenize.js"))
            .args(&files),
        Duration::from_secs(120),
    )?;
    if !output.status.success() {
        return Err(format!(
            "tokenize.js failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let tokenized: Vec<Value> =
        serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    // The extension's script is valid JavaScript (it needs VS Code to run).
    let syntax = run(
        Command::new(node)
            .arg("--check")
            .arg(root().join("editors/vscode/extension.js")),
        Duration::from_secs(30),
    )?;
    check(
        syntax.status.success(),
        format!("extension.js: {}", String::from_utf8_lossy(&syntax.stderr)),
    )?;
    let mut wrong = Vec::new();
    let mut seen = std::collections::BTreeMap::new();
    for (file, result) in files.iter().zip(&tokenized) {
        let src = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
        let lines = result["lines"].as_array().cloned().unwrap_or_default();
        for (offset, text, class) in expectations(&src) {
            let line = src[..offset].matches('\n').count();
            let line_start = src[..offset].rfind('\n').map_or(0, |i| i + 1);
            let column: u64 = src[line_start..offset]
                .chars()
                .map(|c| c.len_utf16() as u64)
                .sum();
            let scopes: Vec<String> = lines
                .get(line)
                .and_then(Value::as_array)
                .and_then(|tokens| {
                    tokens.iter().find(|t| {
                        t["start"].as_u64().is_some_and(|s| s <= column)
                            && t["end"].as_u64().is_some_and(|e| column < e)
                    })
                })
                .and_then(|t| t["scopes"].as_array())
                .map(|s| {
                    s.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            *seen.entry(class).or_insert(0usize) += 1;
            if !class.accepts(&scopes) {
                let name = file
                    .strip_prefix(root())
                    .unwrap_or(file)
                    .display()
                    .to_string();
                wrong.push(format!(
                    "{name}:{}:{}: {text:?} should be {class:?}, got {scopes:?}",
                    line + 1,
                    column + 1
                ));
            }
        }
    }
    if !wrong.is_empty() {
        let shown: Vec<&String> = wrong.iter().take(20).collect();
        return Err(format!("{} pieces scoped wrongly, e.g.:\n{shown:#?}", wrong.len()).into());
    }
    // Each kind occurs in the examples, so the check above tried it.
    for class in [
        Class::Keyword,
        Class::Constant,
        Class::EnumWord,
        Class::String,
        Class::Interpolation,
        Class::Comment,
        Class::Date,
        Class::Duration,
    ] {
        check(
            seen.get(&class).copied().unwrap_or(0) > 0,
            format!("no {class:?} in the examples"),
        )?;
    }
    Ok(())
}

/// The grammar's word lists name every keyword the language server
/// completes and every built-in, so that a word added to the language
/// without its highlighting fails here.
fn grammar_words() -> Result<(), Failed> {
    let path = root().join("editors/vscode/syntaxes/onus.tmLanguage.json");
    let grammar: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let repo = &grammar["repository"];
    // A rule's words: the alternation of plain words in its pattern.
    let alternation = regex::Regex::new(r"\((?:\?:)?((?:[a-z_]+(?:\(\?=[^)]*\)[^|)]*)?\|?)+)\)")
        .map_err(|e| e.to_string())?;
    let listed = |rule: &str| -> Vec<String> {
        let pattern = repo[rule]["match"].as_str().unwrap_or_default();
        alternation
            .captures_iter(pattern)
            .filter_map(|c| c.get(1))
            .max_by_key(|m| m.len())
            .map(|m| {
                m.as_str()
                    .split('|')
                    .map(|w| w.split('(').next().unwrap_or(w).to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut keywords: Vec<String> = [
        "declaration-keywords",
        "control-keywords",
        "operator-keywords",
        "contextual-keywords",
        "constants",
    ]
    .iter()
    .flat_map(|r| listed(r))
    .collect();
    keywords.sort();
    for k in onus::repl::KEYWORDS {
        check(
            keywords.iter().any(|w| w == k),
            format!("keyword `{k}` is not in the grammar"),
        )?;
    }
    let builtins = listed("builtins");
    for b in onus::builtins::Builtin::ALL {
        check(
            builtins.iter().any(|w| w == b.name()),
            format!("built-in `{}` is not in the grammar's builtins", b.name()),
        )?;
    }
    let words = listed("enum-words");
    for w in onus::value::Word::ALL {
        check(
            words.iter().any(|x| x == w.name()),
            format!("enum word `{}` missing", w.name()),
        )?;
    }
    Ok(())
}

/// The VS Code extension's manifest points at files that exist and parse:
/// the grammar, the language configuration and the entry script.
fn vscode_manifest() -> Result<(), Failed> {
    let dir = root().join("editors/vscode");
    let read = |name: &str| -> Result<Value, Failed> {
        let text = std::fs::read_to_string(dir.join(name)).map_err(|e| format!("{name}: {e}"))?;
        Ok(serde_json::from_str(&text).map_err(|e| format!("{name}: {e}"))?)
    };
    let manifest = read("package.json")?;
    let language = &manifest["contributes"]["languages"][0];
    check(language["id"] == "onus", format!("{language}"))?;
    check(language["extensions"][0] == ".onus", format!("{language}"))?;
    let configuration = language["configuration"].as_str().unwrap_or_default();
    let config = read(configuration)?;
    check(
        config["comments"]["lineComment"] == "//",
        format!("{config}"),
    )?;
    let grammar = &manifest["contributes"]["grammars"][0];
    let scope = read(grammar["path"].as_str().unwrap_or_default())?["scopeName"].clone();
    check(
        grammar["scopeName"] == scope,
        format!("{grammar} vs {scope}"),
    )?;
    let main = manifest["main"].as_str().unwrap_or_default();
    let script = std::fs::read_to_string(dir.join(main)).map_err(|e| format!("{main}: {e}"))?;
    check(
        script.contains("\"lsp\"") && script.contains("onus/stdSource"),
        main.to_string(),
    )
}

/// The examples' matrix pages render in headless Chromium.
fn matrix_in_chromium(browser: &Path) -> Result<(), Failed> {
    let dir = std::env::temp_dir().join(format!("onus-chromium-{}", std::process::id()));
    let mut pages = vec![(
        "platform".to_string(),
        "tests/cases/matrix/lib/platform.onus".to_string(),
        "tests/cases/matrix/lib/platform.json".to_string(),
    )];
    pages.extend(examples());
    for (name, policy, facts) in pages {
        let profile = dir.join(format!("profile-{name}"));
        std::fs::create_dir_all(&profile).map_err(|e| e.to_string())?;
        let html = dir.join(format!("{name}.html"));
        let png = dir.join(format!("{name}.png"));
        let page = run(
            Command::new(env!("CARGO_BIN_EXE_onus"))
                .args([
                    "matrix",
                    &policy,
                    "--facts",
                    &facts,
                    "--now",
                    "2026-11-22",
                    "--format",
                    "html",
                ])
                .current_dir(root()),
            Duration::from_secs(60),
        )?;
        std::fs::write(&html, &page.stdout).map_err(|e| e.to_string())?;
        run(
            Command::new(browser)
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                ])
                .args([
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--window-size=1400,1000",
                ])
                .arg(format!("--user-data-dir={}", profile.display()))
                .arg(format!("--screenshot={}", png.display()))
                .arg(format!("file://{}", html.display())),
            Duration::from_secs(90),
        )?;
        let image = std::fs::read(&png).map_err(|e| format!("{name}: no screenshot: {e}"))?;
        check(
            image.starts_with(b"\x89PNG\r\n\x1a\n") && image.len() > 10_000,
            format!("{name}: a real PNG"),
        )?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Each example's first `onus check` line: name, policy, facts.
fn examples() -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for dir in std::fs::read_dir(root().join("examples"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let commands = std::fs::read_to_string(dir.path().join("commands")).unwrap_or_default();
        let Some(line) = commands.lines().find(|l| l.starts_with("onus check ")) else {
            continue;
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        let facts = words.windows(2).find(|w| w[0] == "--facts").map(|w| w[1]);
        if let (Some(policy), Some(facts)) = (words.get(2), facts) {
            let name = dir.file_name().to_string_lossy().into_owned();
            found.push((name, policy.to_string(), facts.to_string()));
        }
    }
    found.sort();
    found
}
