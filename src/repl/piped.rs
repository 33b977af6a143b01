//! The piped front end: lines in (standard input that is not a terminal),
//! replies out, with no prompts and no escape codes. Lines accumulate while
//! the parser says the input is incomplete, so a declaration may span many
//! lines, as in the terminal. Stops at `:quit` or the end of input.

use super::Repl;
use super::input::is_incomplete;
use std::io::{BufRead, Write};

/// Feeds `input` to `repl` and writes its replies to `output`.
pub fn run(
    repl: &mut impl Repl,
    mut input: impl BufRead,
    output: &mut impl Write,
) -> std::io::Result<()> {
    let mut buffer = String::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        if !buffer.is_empty() {
            buffer.push('\n');
        }
        buffer.push_str(text.trim_end_matches(['\n', '\r']));
        if is_incomplete(&buffer) {
            continue;
        }
        let reply = repl.handle(&buffer);
        buffer.clear();
        output.write_all(reply.text.as_bytes())?;
        output.flush()?;
        if reply.quit {
            return Ok(());
        }
    }
    // Input that ends inside a declaration gets its syntax error.
    if !buffer.trim().is_empty() {
        let reply = repl.handle(&buffer);
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
        let mut repl = Recorder::default();
        let mut out = Vec::new();
        let result = run(&mut repl, script.as_bytes(), &mut out);
        assert!(result.is_ok());
        (repl.inputs, String::from_utf8_lossy(&out).into_owned())
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
}
