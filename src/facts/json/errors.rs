//! The JSON parser's errors and where they are: serde_json's error codes
//! and messages, positioned at serde_json's line and column (an error at a
//! byte, or about the next one), UTF-8 and arena failures, and input stops.

use super::{Fail, Parser, Res};
use crate::facts::arena;
use crate::facts::input::Stop;
use crate::facts::{ErrorKind, FactsError, MAX_DEPTH};
use std::io::Read;

/// serde_json's error codes, with its messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::facts) enum Code {
    EofList,
    EofObject,
    EofString,
    EofValue,
    ExpectedColon,
    ExpectedListCommaOrEnd,
    ExpectedObjectCommaOrEnd,
    ExpectedIdent,
    ExpectedValue,
    InvalidEscape,
    InvalidNumber,
    NumberOutOfRange,
    ControlCharacter,
    KeyMustBeAString,
    LoneSurrogate,
    TrailingComma,
    TrailingCharacters,
    UnexpectedEndOfHexEscape,
    TooDeep,
}

impl Code {
    fn message(self) -> String {
        match self {
            Code::EofList => "EOF while parsing a list",
            Code::EofObject => "EOF while parsing an object",
            Code::EofString => "EOF while parsing a string",
            Code::EofValue => "EOF while parsing a value",
            Code::ExpectedColon => "expected `:`",
            Code::ExpectedListCommaOrEnd => "expected `,` or `]`",
            Code::ExpectedObjectCommaOrEnd => "expected `,` or `}`",
            Code::ExpectedIdent => "expected ident",
            Code::ExpectedValue => "expected value",
            Code::InvalidEscape => "invalid escape",
            Code::InvalidNumber => "invalid number",
            Code::NumberOutOfRange => "number out of range",
            Code::ControlCharacter => {
                "control character (\\u0000-\\u001F) found while parsing a string"
            }
            Code::KeyMustBeAString => "key must be a string",
            Code::LoneSurrogate => "lone leading surrogate in hex escape",
            Code::TrailingComma => "trailing comma",
            Code::TrailingCharacters => "trailing characters",
            Code::UnexpectedEndOfHexEscape => "unexpected end of hex escape",
            Code::TooDeep => {
                return format!("arrays and objects nest more than {MAX_DEPTH} levels deep");
            }
        }
        .to_string()
    }
}

impl<R: Read> Parser<R> {
    // ---- errors -----------------------------------------------------------

    /// An error at buffer index `i` (serde_json's `error`: the column of
    /// the byte before `i`).
    #[cold]
    pub(super) fn err_at(&self, i: usize, code: Code) -> Fail {
        let (line, column) = self.input.position(self.input.offset(i), false);
        Box::new(FactsError::syntax(code.message(), line, column))
    }

    /// An error about the byte at `pos` (serde_json's `peek_error`), which
    /// is not UTF-8 or a NUL byte when that is why it is unexpected.
    #[cold]
    pub(super) fn peek_error(&mut self, code: Code) -> Fail {
        let pos = self.input.pos;
        if pos < self.doc_end {
            let c = self.input.buf[pos];
            if c >= 0x80 {
                let pos = self.ensure(pos, 4).unwrap_or(pos);
                let end = (pos + 4).min(self.doc_end);
                if let Err(e) = std::str::from_utf8(&self.input.buf[pos..end])
                    && e.valid_up_to() == 0
                {
                    return self.utf8_error(pos);
                }
                return self.err_at(pos + 1, code);
            }
            if c == 0 {
                let (line, column) = self.input.position(self.input.offset(pos + 1), false);
                return Box::new(FactsError::syntax(
                    "a NUL byte: binary data, not JSON text".into(),
                    line,
                    column,
                ));
            }
            return self.err_at(pos + 1, code);
        }
        self.err_at(pos, code)
    }

    #[cold]
    fn utf8_error(&self, i: usize) -> Fail {
        let (line, column) = self.input.position(self.input.offset(i), true);
        Box::new(FactsError {
            message: "not valid UTF-8".into(),
            line,
            column,
            kind: ErrorKind::Utf8,
        })
    }

    /// The bytes `from..to` of the buffer must be UTF-8.
    pub(super) fn validate(&self, from: usize, to: usize) -> Res<()> {
        if from >= to {
            return Ok(());
        }
        std::str::from_utf8(&self.input.buf[from..to])
            .map(|_| ())
            .map_err(|e| self.utf8_error(from + e.valid_up_to()))
    }

    /// An arena error (a limit, or an allocation that failed).
    #[cold]
    pub(in crate::facts) fn arena_error(&self, message: &'static str) -> Fail {
        let kind = match message {
            arena::LIMIT => ErrorKind::TooLarge,
            arena::OUT_OF_MEMORY => ErrorKind::OutOfMemory,
            _ => ErrorKind::Syntax,
        };
        let (line, column) = self
            .input
            .position(self.input.offset(self.input.pos), false);
        Box::new(FactsError {
            message: message.into(),
            line,
            column,
            kind,
        })
    }
}

/// Why input stopped, as an error.
pub(in crate::facts) fn stop_error(stop: Stop) -> FactsError {
    let (kind, message) = match stop {
        Stop::Io(e) => (ErrorKind::Io, crate::session::io_reason(&e)),
        Stop::TooLarge => (ErrorKind::TooLarge, arena::LIMIT.to_string()),
        Stop::OutOfMemory => (ErrorKind::OutOfMemory, arena::OUT_OF_MEMORY.to_string()),
    };
    FactsError {
        message,
        line: 0,
        column: 0,
        kind,
    }
}

pub(in crate::facts) fn empty() -> FactsError {
    FactsError {
        message: "the file is empty".into(),
        line: 1,
        column: 1,
        kind: ErrorKind::Empty,
    }
}
