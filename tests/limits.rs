//! The evaluation budget against hostile facts: a policy and generated
//! facts in, through the library API; each case must stop with the L001
//! diagnostic that names the control and the `--max-steps` flag, quickly,
//! instead of running for as long as the facts make it.

use onus::Session;
use onus::check::program::Status;
use onus::eval::{Options, Outcome};
use onus::facts::FactsFormat;

fn options(max_steps: Option<u64>) -> Options {
    Options {
        now: jiff::civil::date(2026, 11, 22),
        max_steps,
        timeout: None,
        jobs: Some(1),
        show_passed: false,
    }
}

/// Runs one control, `require`d over every subject of `facts.xs`.
fn run(require: &str, facts: String, max_steps: Option<u64>) -> Outcome {
    run_with(require, facts, options(max_steps))
}

fn run_with(require: &str, facts: String, options: Options) -> Outcome {
    let policy = format!(
        "use std\nservice s: iaas {{}}\ncontrol c {{\n  service = s\n  layer = config\n  for x in facts.xs\n  require {require}\n}}\n"
    );
    let mut session = Session::new(options);
    session.load_source("limits.onus", policy);
    session.check();
    assert!(!session.has_errors(), "{:?}", session.diagnostics);
    session
        .add_facts("facts.json".into(), None, facts, FactsFormat::Json)
        .expect("valid facts");
    session.evaluate().expect("one facts document")
}

fn assert_stopped(outcome: &Outcome) {
    let [limit] = outcome.diagnostics.as_slice() else {
        panic!(
            "expected one limit diagnostic, got {:?}",
            outcome.diagnostics
        );
    };
    assert_eq!(limit.code, "L001");
    assert!(
        limit.message.contains("control `c` stopped"),
        "{}",
        limit.message
    );
    assert!(limit.message.contains("--max-steps"), "{}", limit.message);
    assert!(matches!(
        outcome.controls[0].status,
        Status::Error | Status::Fail
    ));
}

/// `n` subjects, and lists `ids` and `words` of `n` strings each.
fn facts(n: usize) -> String {
    let xs: Vec<String> = (0..n).map(|i| format!("{{\"id\": \"x{i}\"}}")).collect();
    let ids: Vec<String> = (0..n).map(|i| format!("\"y{i}\"")).collect();
    format!(
        "{{\"xs\": [{}], \"ids\": [{}]}}",
        xs.join(","),
        ids.join(",")
    )
}

#[test]
fn a_cubic_cross_product_is_stopped() {
    let outcome = run(
        "all a in facts.xs: all b in facts.xs: all c in facts.xs: a.id != \"\"",
        facts(300),
        Some(1_000_000),
    );
    assert_stopped(&outcome);
}

/// One step per subject, but each `in` walks the whole list: the walk is
/// charged, so quadratic work meets the budget like quadratic steps do.
#[test]
fn membership_in_a_long_list_is_charged_by_its_length() {
    let outcome = run("x.id in facts.ids", facts(3_000), Some(1_000_000));
    assert_stopped(&outcome);
    let subjects = outcome.controls[0].violations.len();
    assert!(subjects < 400, "{subjects} subjects were checked");
}

#[test]
fn builtins_and_interpolations_are_charged_by_their_input() {
    for require in [
        "len(join(facts.ids, \",\")) > 0",
        "len(\"{facts.ids}\") > 0",
        "len(sort(facts.ids)) > 0",
        "facts.ids == facts.ids",
    ] {
        assert_stopped(&run(require, facts(3_000), Some(1_000_000)));
    }
}

/// The same work within the budget is not stopped: charging counts work,
/// it does not forbid it.
#[test]
fn linear_work_fits_the_default_budget() {
    let outcome = run("not (x.id in facts.ids)", facts(3_000), None);
    assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
    assert_eq!(outcome.controls[0].status, Status::Pass);
    assert_eq!(outcome.controls[0].subjects, 3_000);
}

/// The clock is read at a control's first step: a control that starts
/// after the deadline stops at once, however little work it would do.
#[test]
fn a_control_starting_after_the_timeout_stops_at_once() {
    let options = Options {
        timeout: Some(std::time::Duration::from_nanos(1)),
        ..options(None)
    };
    let outcome = run_with("x.id != \"\"", facts(10), options);
    let [limit] = outcome.diagnostics.as_slice() else {
        panic!(
            "expected one limit diagnostic, got {:?}",
            outcome.diagnostics
        );
    };
    assert!(limit.message.contains("--timeout"), "{}", limit.message);
    assert_eq!(outcome.controls[0].status, Status::Error);
}

/// A chain of declarations each using the next: checked for recursion in
/// linear time (copying search paths made 8,000 links take a minute and a
/// half), and evaluated one frame per link without overflowing the stack,
/// here on the test harness's small thread.
#[test]
fn a_long_chain_of_lets_and_fns_is_checked_and_evaluated() {
    let n = 10_000;
    let mut policy = String::new();
    for i in 0..n {
        policy.push_str(&format!(
            "let a{i} = a{} + 1\nfn f{i}(x) = f{}(x) + 1\n",
            i + 1,
            i + 1
        ));
    }
    policy.push_str(&format!(
        "let a{n} = 0\nfn f{n}(x) = x\nassert \"lets\": a0 == {n}\nassert \"fns\": f0(0) == {n}\n"
    ));
    let mut session = Session::new(options(None));
    session.load_source("chain.onus", policy);
    session.check();
    assert!(!session.has_errors(), "{:?}", session.diagnostics);
    session
        .add_facts("facts.json".into(), None, "{}".into(), FactsFormat::Json)
        .expect("valid facts");
    let outcome = session.evaluate().expect("one facts document");
    assert!(
        outcome.assertions.iter().all(|a| a.status == Status::Pass),
        "{:?}",
        outcome.assertions
    );
}

/// Issue 17: memory that evaluation builds is charged to the budget before
/// it is allocated, so amplification ends as L001, not an allocation
/// failure: `replace` growing each character a thousandfold, a list that
/// holds itself over and over printed whole, and a cross product of two
/// lists built as objects.
#[test]
fn built_memory_is_charged_before_it_is_allocated() {
    // Eight rounds: 17^8 times longer, 35 GB from the five-byte id.
    let mut grow = "x.id".to_string();
    for _ in 0..8 {
        grow = format!("replace({grow}, \"\", \"0123456789abcdef\")");
    }
    let grow = format!("len({grow}) > 0");
    for (require, steps) in [
        (grow.as_str(), Some(2_000_000)),
        (
            "len(\"{with a = [x, x, x, x]: with b = [a, a, a, a]: with c = [b, b, b, b]: with d = [c, c, c, c]: [d, d, d, d, d, d, d, d]}\") > 0",
            Some(2_000),
        ),
        (
            "len(flatten([[{ \"a\": a, \"b\": b } for b in facts.xs] for a in facts.xs])) > 0",
            Some(5_000_000),
        ),
    ] {
        let started = std::time::Instant::now();
        let outcome = run(require, facts(2_000), steps);
        assert_stopped(&outcome);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{require}: {:?}",
            started.elapsed()
        );
    }
}
