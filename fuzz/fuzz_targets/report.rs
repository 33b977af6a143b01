//! libFuzzer entry for the `report` target: arbitrary bytes in, the checks
//! of `targets::report` (see `fuzz/targets.rs`) run on them.

#![no_main]

#[path = "../targets.rs"]
#[allow(dead_code, reason = "each fuzz binary runs one of the targets")]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::report(data));
