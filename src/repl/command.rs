//! REPL commands: a `:name args` line in, a `Command` out (`FromStr`), or
//! an error that says what was wrong. A command is named exactly, by an
//! alias, or by an unambiguous prefix of its name (`:ch` is `:check`).

use crate::builtins::Builtin;
use crate::diagnostic::Diagnostic;
use std::fmt::Write as _;
use std::str::FromStr;

/// The commands, without their arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Name {
    Load,
    Facts,
    Reload,
    Check,
    Explain,
    Controls,
    Services,
    Owner,
    Matrix,
    Type,
    Raw,
    Save,
    Diagnostics,
    Help,
    Quit,
}

impl Name {
    pub const ALL: [Name; 15] = [
        Name::Load,
        Name::Facts,
        Name::Reload,
        Name::Check,
        Name::Explain,
        Name::Controls,
        Name::Services,
        Name::Owner,
        Name::Matrix,
        Name::Type,
        Name::Raw,
        Name::Save,
        Name::Diagnostics,
        Name::Help,
        Name::Quit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Name::Load => "load",
            Name::Facts => "facts",
            Name::Reload => "reload",
            Name::Check => "check",
            Name::Explain => "explain",
            Name::Controls => "controls",
            Name::Services => "services",
            Name::Owner => "owner",
            Name::Matrix => "matrix",
            Name::Type => "type",
            Name::Raw => "raw",
            Name::Save => "save",
            Name::Diagnostics => "diagnostics",
            Name::Help => "help",
            Name::Quit => "quit",
        }
    }

    /// Other exact spellings; prefixes are matched on the name only.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Name::Quit => &["exit"],
            Name::Help => &["?"],
            _ => &[],
        }
    }

    /// The arguments, as `:help` shows them.
    pub fn arguments(self) -> &'static str {
        match self {
            Name::Load => "PATH",
            Name::Facts => "[NAME=]FILE",
            Name::Check => "[CONTROL...]",
            Name::Explain => "CONTROL [KEY]",
            Name::Owner => "SERVICE [LAYER]",
            Name::Matrix => "[SERVICE...]",
            Name::Type => "EXPR",
            Name::Raw => "EXPR",
            Name::Save => "FILE",
            Name::Help => "[TOPIC]",
            _ => "",
        }
    }

    pub fn usage(self) -> String {
        match self.arguments() {
            "" => format!(":{}", self.as_str()),
            args => format!(":{} {args}", self.as_str()),
        }
    }

    pub fn summary(self) -> &'static str {
        match self {
            Name::Load => "add a policy file, or every .onus file below a directory",
            Name::Facts => "load facts from a JSON (.jsonl, .yaml) file as facts or facts.NAME",
            Name::Reload => "read every loaded policy and facts file again",
            Name::Check => "evaluate the controls and print the report (only the named ones)",
            Name::Explain => "why a control passed or failed: the deciding require, with values",
            Name::Controls => "list the controls",
            Name::Services => "list the services",
            Name::Owner => "who decides and operates a layer of a service, and who said so",
            Name::Matrix => "the responsibility matrix: layers by services",
            Name::Type => "the type of an expression's value",
            Name::Raw => "a string's text as it is, not JSON-escaped (other values as usual)",
            Name::Save => "write the declarations typed in this session to a new policy file",
            Name::Diagnostics => "every current diagnostic of the loaded policy",
            Name::Help => "this list, a command's help, or a built-in function's",
            Name::Quit => "leave the REPL (so does end of input)",
        }
    }

    /// A name, an alias, or an unambiguous prefix of a name.
    pub fn lookup(word: &str) -> Result<Name, Diagnostic> {
        if let Some(exact) = Name::ALL
            .into_iter()
            .find(|n| n.as_str() == word || n.aliases().contains(&word))
        {
            return Ok(exact);
        }
        let matching: Vec<Name> = Name::ALL
            .into_iter()
            .filter(|n| !word.is_empty() && n.as_str().starts_with(word))
            .collect();
        match matching.as_slice() {
            [one] => Ok(*one),
            [] => Err(
                Diagnostic::error("R001", format!("unknown command `:{word}`"))
                    .with_help("`:help` lists the commands"),
            ),
            many => {
                let names: Vec<String> = many.iter().map(|n| format!(":{}", n.as_str())).collect();
                Err(
                    Diagnostic::error("R002", format!("ambiguous command `:{word}`"))
                        .with_help(format!("it may be {}", names.join(", "))),
                )
            }
        }
    }
}

/// A command with its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Load(String),
    Facts(String),
    Reload,
    Check(Vec<String>),
    Explain {
        control: String,
        /// The key of one subject to explain, whatever its outcome.
        subject: Option<String>,
    },
    Controls,
    Services,
    Owner {
        service: String,
        layer: Option<String>,
    },
    Matrix(Vec<String>),
    Type(String),
    Raw(String),
    Save(String),
    Diagnostics,
    Help(Option<Topic>),
    Quit,
}

/// What `:help` explains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    Command(Name),
    Builtin(Builtin),
    /// Every built-in function.
    Builtins,
}

impl Topic {
    /// A command's exact name or alias first, then `builtins` or a
    /// built-in's name, then a command's unambiguous prefix.
    fn lookup(word: &str) -> Result<Topic, Diagnostic> {
        let word = word.trim_start_matches(':');
        let exact = Name::ALL
            .into_iter()
            .find(|n| n.as_str() == word || n.aliases().contains(&word));
        if let Some(name) = exact {
            return Ok(Topic::Command(name));
        }
        if word == "builtins" {
            return Ok(Topic::Builtins);
        }
        if let Some(b) = Builtin::from_name(word) {
            return Ok(Topic::Builtin(b));
        }
        Name::lookup(word).map(Topic::Command)
    }
}

impl FromStr for Command {
    type Err = Diagnostic;

    /// Parses `:name args` (leading whitespace allowed).
    fn from_str(line: &str) -> Result<Command, Diagnostic> {
        let line = line.trim();
        let body = line.strip_prefix(':').unwrap_or(line);
        let (word, rest) = body
            .split_once(char::is_whitespace)
            .map_or((body, ""), |(w, r)| (w, r.trim()));
        let name = Name::lookup(word)?;
        let words: Vec<String> = rest.split_whitespace().map(str::to_string).collect();
        let wrong = |what: &str| {
            Diagnostic::error("R003", format!("`:{}` {what}", name.as_str()))
                .with_help(format!("usage: {}", name.usage()))
        };
        let command = match name {
            Name::Load | Name::Facts | Name::Type | Name::Raw | Name::Save | Name::Explain
                if rest.is_empty() =>
            {
                return Err(wrong("needs an argument"));
            }
            Name::Load => Command::Load(rest.to_string()),
            Name::Facts => Command::Facts(rest.to_string()),
            Name::Type => Command::Type(rest.to_string()),
            Name::Raw => Command::Raw(rest.to_string()),
            Name::Save => Command::Save(rest.to_string()),
            Name::Explain => {
                let (control, subject) = rest
                    .split_once(char::is_whitespace)
                    .map_or((rest, ""), |(c, s)| (c, s.trim()));
                Command::Explain {
                    control: control.to_string(),
                    subject: Some(subject.to_string()).filter(|s| !s.is_empty()),
                }
            }
            Name::Check => Command::Check(words),
            Name::Matrix => Command::Matrix(words),
            Name::Owner => match words.as_slice() {
                [service] => Command::Owner {
                    service: service.clone(),
                    layer: None,
                },
                [service, layer] => Command::Owner {
                    service: service.clone(),
                    layer: Some(layer.clone()),
                },
                _ => return Err(wrong("takes a service and, optionally, a layer")),
            },
            Name::Help => match words.as_slice() {
                [] => Command::Help(None),
                [topic] => Command::Help(Some(Topic::lookup(topic)?)),
                _ => return Err(wrong("takes at most one command")),
            },
            _ if !rest.is_empty() => return Err(wrong("takes no arguments")),
            Name::Reload => Command::Reload,
            Name::Controls => Command::Controls,
            Name::Services => Command::Services,
            Name::Diagnostics => Command::Diagnostics,
            Name::Quit => Command::Quit,
        };
        Ok(command)
    }
}

/// `:help`: every command, one in detail, or built-in functions (the same
/// text as `onus help builtins`).
pub fn help(topic: Option<Topic>) -> String {
    let mut out = String::new();
    match topic {
        Some(Topic::Builtins) => return crate::help::builtins(),
        Some(Topic::Builtin(b)) => return crate::help::builtin(b),
        _ => {}
    }
    if let Some(Topic::Command(name)) = topic {
        let _ = writeln!(out, "{}", name.usage());
        let _ = writeln!(out, "  {}", name.summary());
        if !name.aliases().is_empty() {
            let aliases: Vec<String> = name.aliases().iter().map(|a| format!(":{a}")).collect();
            let _ = writeln!(out, "  also: {}", aliases.join(", "));
        }
        return out;
    }
    out.push_str(
        "Type an expression to evaluate it against the facts, a declaration to add it\n\
         (a name declared again replaces the earlier declaration), or a command.\n\
         An entry continues on the next line (prompt `...`) while a bracket or brace\n\
         is open; Ctrl-C drops it, and so does an empty line after an error.\n\n",
    );
    let width = Name::ALL
        .iter()
        .map(|n| n.usage().chars().count())
        .max()
        .unwrap_or(0);
    for name in Name::ALL {
        let _ = writeln!(out, "  {:<width$}  {}", name.usage(), name.summary());
    }
    out.push_str(
        "\nCommands may be shortened to any unambiguous prefix (:ch is :check).\n\
         `:help builtins` documents the built-in functions, `:help len` one of them.\n\
         Replies and error reports are written to standard output.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Command, String> {
        s.parse::<Command>().map_err(|d| d.message)
    }

    #[test]
    fn names_aliases_and_prefixes() {
        assert_eq!(parse(":quit"), Ok(Command::Quit));
        assert_eq!(parse(":exit"), Ok(Command::Quit));
        assert_eq!(parse(":q"), Ok(Command::Quit));
        assert_eq!(
            parse("  :ch a b"),
            Ok(Command::Check(vec!["a".into(), "b".into()]))
        );
        assert_eq!(parse(":co"), Ok(Command::Controls));
        assert_eq!(
            parse(":e x"),
            Ok(Command::Explain {
                control: "x".into(),
                subject: None
            })
        );
        assert_eq!(
            parse(":explain x db 7"),
            Ok(Command::Explain {
                control: "x".into(),
                subject: Some("db 7".into())
            })
        );
        assert_eq!(parse(":?"), Ok(Command::Help(None)));
        assert_eq!(
            parse(":help :ch"),
            Ok(Command::Help(Some(Topic::Command(Name::Check))))
        );
    }

    #[test]
    fn ambiguous_and_unknown_commands_are_errors() {
        let ambiguous = ":c".parse::<Command>().unwrap_err();
        assert_eq!(ambiguous.code, "R002");
        assert_eq!(
            ambiguous.help.as_deref(),
            Some("it may be :check, :controls")
        );
        assert_eq!(
            parse(":frobnicate"),
            Err("unknown command `:frobnicate`".into())
        );
        assert_eq!(parse(":"), Err("unknown command `:`".into()));
    }

    #[test]
    fn arguments_are_checked() {
        assert_eq!(parse(":load"), Err("`:load` needs an argument".into()));
        assert_eq!(
            parse(":reload now"),
            Err("`:reload` takes no arguments".into())
        );
        assert_eq!(
            parse(":owner a b c"),
            Err("`:owner` takes a service and, optionally, a layer".into())
        );
        assert_eq!(
            parse(":owner db network.virtual"),
            Ok(Command::Owner {
                service: "db".into(),
                layer: Some("network.virtual".into())
            })
        );
        assert_eq!(
            parse(":type len( [1, 2] )"),
            Ok(Command::Type("len( [1, 2] )".into()))
        );
        assert_eq!(
            parse(":load my policies/a.onus"),
            Ok(Command::Load("my policies/a.onus".into()))
        );
    }

    #[test]
    fn help_lists_every_command() {
        let text = help(None);
        for name in Name::ALL {
            assert!(text.contains(&name.usage()), "{}", name.as_str());
        }
        assert!(help(Some(Topic::Command(Name::Quit))).contains(":exit"));
    }

    /// `:help NAME` documents a built-in with the text of `onus help
    /// builtins`; a command's exact name wins, then the built-in, then a
    /// command's prefix.
    #[test]
    fn help_on_builtins() {
        assert_eq!(
            parse(":help len"),
            Ok(Command::Help(Some(Topic::Builtin(Builtin::Len))))
        );
        assert_eq!(
            help(Some(Topic::Builtin(Builtin::Len))),
            crate::help::builtin(Builtin::Len)
        );
        assert_eq!(help(Some(Topic::Builtins)), crate::help::builtins());
        assert_eq!(
            parse(":help builtins"),
            Ok(Command::Help(Some(Topic::Builtins)))
        );
        assert_eq!(
            parse(":help check"),
            Ok(Command::Help(Some(Topic::Command(Name::Check))))
        );
        assert_eq!(
            parse(":help contr"),
            Ok(Command::Help(Some(Topic::Command(Name::Controls))))
        );
        assert_eq!(
            parse(":help nothing"),
            Err("unknown command `:nothing`".into())
        );
    }
}
