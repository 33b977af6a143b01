use super::*;
use crate::eval::{Passed, SubjectError, Violation};
use crate::source::{FileId, Span};

fn violation(i: usize) -> Violation {
    Violation {
        key: format!("k{i}"),
        pointer: (!i.is_multiple_of(3)).then(|| format!("/events/{i}")),
        message: format!("subject {i} fails — ünïcode"),
        waived: i.is_multiple_of(5),
        span: Span {
            file: FileId(i as u32 % 4),
            start: i as u32,
            end: i as u32 + 7,
        },
    }
}

/// Findings spilled in several segments, then held, read back in order
/// and equal to those pushed, borrowed or owned.
#[test]
fn spilled_findings_read_back_in_order_and_equal() {
    let spill = Spill::new().expect("a temporary file");
    let all: Vec<Violation> = (0..1000).map(violation).collect();
    let mut findings = Findings::new();
    for (i, v) in all.iter().enumerate() {
        findings.push(v.clone());
        if (i + 1).is_multiple_of(300) {
            findings.spill_to(&spill).expect("spilled");
        }
    }
    assert_eq!(findings.len(), 1000);
    assert_eq!(findings.held(), 100);
    let read: Vec<Violation> = findings.iter().map(Cow::into_owned).collect();
    assert_eq!(read, all);
    assert_eq!(findings, Findings::from(all.clone()));
    assert_eq!(findings.first().as_deref(), all.first());
    assert!(findings.failure().is_none());
    assert_eq!(findings.into_iter().collect::<Vec<_>>(), all);
}

/// Appending keeps the order whether either side spilled.
#[test]
fn appending_keeps_the_order() {
    let spill = Spill::new().expect("a temporary file");
    let all: Vec<Violation> = (0..40).map(violation).collect();
    let mut a = Findings::from(all[..10].to_vec());
    a.spill_to(&spill).expect("spilled");
    let mut b = Findings::from(all[10..20].to_vec());
    b.spill_to(&spill).expect("spilled");
    b.extend(all[20..30].iter().cloned());
    a.append(&mut b);
    assert!(b.is_empty());
    let mut c = Findings::from(all[30..35].to_vec());
    c.spill_to(&spill).expect("spilled");
    c.extend(all[35..].iter().cloned());
    // `a` holds findings now, so `c`'s spilled ones are read back.
    a.append(&mut c);
    assert_eq!(a.iter().map(Cow::into_owned).collect::<Vec<_>>(), all);
}

/// A change in place reaches spilled findings too.
#[test]
fn a_change_in_place_reaches_spilled_findings() {
    let spill = Spill::new().expect("a temporary file");
    let errors: Vec<SubjectError> = (0..20)
        .map(|i| SubjectError {
            key: format!("k{i}"),
            pointer: None,
            message: String::new(),
            span: Span::default(),
            attested: true,
        })
        .collect();
    let mut findings = Findings::from(errors[..15].to_vec());
    findings.spill_to(&spill).expect("spilled");
    findings.extend(errors[15..].iter().cloned());
    findings.for_each_mut(|e| e.attested = false);
    assert_eq!(findings.len(), 20);
    assert!(findings.iter().all(|e| !e.attested));
    let passed = Passed {
        key: "p".into(),
        pointer: Some("/x".into()),
    };
    let mut bytes = Vec::new();
    passed.encode(&mut bytes);
    assert_eq!(Passed::decode(&mut bytes.as_slice()), Some(passed));
}

/// Bytes no `encode` wrote decode to nothing, never to a wrong finding or
/// a panic.
#[test]
fn truncated_or_foreign_bytes_do_not_decode() {
    let mut bytes = Vec::new();
    violation(7).encode(&mut bytes);
    for end in 0..bytes.len() {
        assert_eq!(Violation::decode(&mut &bytes[..end]), None, "{end} bytes");
    }
    let huge = u64::MAX.to_le_bytes();
    assert_eq!(Violation::decode(&mut &huge[..]), None);
}

/// A segment that cannot be read back is not passed over in silence: the
/// failure is recorded for the run to report.
#[test]
fn a_segment_that_cannot_be_read_back_is_a_recorded_failure() {
    let spill = Spill::new().expect("a temporary file");
    let mut findings = Findings::from((0..5).map(violation).collect::<Vec<_>>());
    findings.spill_to(&spill).expect("spilled");
    findings.segments[0].bytes += 1;
    assert_eq!(findings.iter().count(), 0);
    assert!(findings.failure().is_some());
}
