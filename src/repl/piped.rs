//! The piped front end: lines in (standard input that is not a terminal),
//! replies out, with no prompts and no escape codes. Lines make entries as
//! in the terminal (`input::Pending`): one goes on while a bracket is open.
//! Stops at `:quit` or the end of input, and says whether any reply
//! reported an error (the exit code of a piped session).

use super::Repl;
use super::input::{Next, Pending};
use std::io::{BufRead, Write};

/// Feeds `input` to `repl` and writes its replies to `output`; true when
/// some reply reported an error. A read or write error ends the session,
/// as the end of input does.
pub fn run(repl: &mut impl Repl, input: impl BufRead, output: &mut impl Write) -> bool {
    let mut failed = false;
    let _ = answer(repl, input, output, &mut failed);
    failed
}

fn answer(
    repl: &mut impl Repl,
    mut input: impl BufRead,
    output: &mut impl Write,
    failed: &mut bool,
) -> std::io::Result<()> {
    let mut pending = Pending::default();
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        let Next::Submit(entry) = pending.push(text.trim_end_matches(['\n', '\r'])) else {
            continue;
        };
        let reply = repl.handle(&entry);
        *failed |= reply.failed;
        output.write_all(reply.text.as_bytes())?;
        output.flush()?;
        if reply.quit {
            return Ok(());
        }
    }
    // Input that ends inside a declaration gets its syntax error.
    if let Some(entry) = pending.finish() {
        let reply = repl.handle(&entry);
        *failed |= reply.failed;
        output.write_all(reply.text.as_bytes())?;
        output.flush()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repl::{Completion, Reply};

    /// Records what it was given.
    #[derive(Default)]
    struct Recorder {
        inputs: Vec<String>,
    }

    impl Repl for Recorder {
        fn handle(&mut self, input: &str) -> Reply {
            self.inputs.push(input.to_string());
            Reply {
                text: format!("[{input}]\n"),
                quit: input == ":quit",
                failed: input.contains("oops"),
            }
        }

        fn complete(&self, _: &str, pos: usize) -> Completion {
            (pos, Vec::new())
        }

        fn hint(&self, _: &str, _: usize) -> Option<(String, Option<String>)> {
            None
        }
    }

    fn feed(script: &str) -> (Vec<String>, String) {
        let (inputs, out, _) = feed_and_fail(script);
        (inputs, out)
    }

    fn feed_and_fail(script: &str) -> (Vec<String>, String, bool) {
        let mut repl = Recorder::default();
        let mut out = Vec::new();
        let failed = run(&mut repl, script.as_bytes(), &mut out);
        (
            repl.inputs,
            String::from_utf8_lossy(&out).into_owned(),
            failed,
        )
    }

    #[test]
    fn multi_line_declarations_are_one_input() {
        let (inputs, _) = feed("1 + 1\ncontrol c {\n  service = s\r\n}\nlen([1,\n2])\n");
        assert_eq!(
            inputs,
            vec!["1 + 1", "control c {\n  service = s\n}", "len([1,\n2])"]
        );
    }

    #[test]
    fn quit_stops_reading() {
        let (inputs, out) = feed(":check\n:quit\n1 + 1\n");
        assert_eq!(inputs, vec![":check", ":quit"]);
        assert_eq!(out, "[:check]\n[:quit]\n");
    }

    #[test]
    fn unfinished_input_is_answered_at_the_end() {
        let (inputs, _) = feed("control c {\n  service = s");
        assert_eq!(inputs, vec!["control c {\n  service = s"]);
    }

    #[test]
    fn a_failed_reply_is_remembered_to_the_end() {
        assert!(!feed_and_fail("1\n2\n").2);
        assert!(feed_and_fail("oops\n2\n").2);
        assert!(feed_and_fail("oops\n:quit\n").2);
        assert!(feed_and_fail("[oops,").2, "the unfinished entry counts too");
    }

    #[test]
    fn a_typo_does_not_swallow_the_lines_after_it() {
        let (inputs, _) = feed("facts.gke.0\n1 + 1\n");
        assert_eq!(inputs, vec!["facts.gke.0", "1 + 1"]);
    }
}
