//! CloudFormation's short-form intrinsic tags: a YAML tag in, the long-form
//! key it stands for out (`!Ref` is `Ref`, `!Sub` is `Fn::Sub`), as
//! CloudFormation and cfn-lint read them; the reader wraps the tagged node
//! in a one-key object under that key. Only these tags have a meaning here:
//! every other tag is refused by the reader.

use yaml_rust2::parser::Tag;

/// The tags that become `Fn::NAME`.
const FUNCTIONS: [&str; 16] = [
    "Base64",
    "Cidr",
    "FindInMap",
    "GetAtt",
    "GetAZs",
    "ImportValue",
    "Join",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "And",
    "Equals",
    "If",
    "Not",
    "Or",
];

/// The long-form key of a CloudFormation short-form tag (`!Ref`: `Ref`,
/// `!Condition`: `Condition`, `!GetAtt`: `Fn::GetAtt`), or None.
pub(super) fn long_form(tag: &Tag) -> Option<String> {
    if tag.handle != "!" {
        return None;
    }
    match tag.suffix.as_str() {
        name @ ("Ref" | "Condition") => Some(name.to_string()),
        name if FUNCTIONS.contains(&name) => Some(format!("Fn::{name}")),
        _ => None,
    }
}

/// `!GetAtt Bucket.Arn` holds `["Bucket", "Arn"]` (split at the first
/// dot); None for any other scalar argument, which is held as its text.
pub(super) fn split_get_att<'t>(key: &str, text: &'t str) -> Option<(&'t str, &'t str)> {
    if key == "Fn::GetAtt" {
        text.split_once('.')
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::long_form;
    use yaml_rust2::parser::Tag;

    fn tag(handle: &str, suffix: &str) -> Tag {
        Tag {
            handle: handle.into(),
            suffix: suffix.into(),
        }
    }

    #[test]
    fn short_forms_name_their_long_form() {
        assert_eq!(long_form(&tag("!", "Ref")).as_deref(), Some("Ref"));
        assert_eq!(
            long_form(&tag("!", "Condition")).as_deref(),
            Some("Condition")
        );
        assert_eq!(
            long_form(&tag("!", "GetAZs")).as_deref(),
            Some("Fn::GetAZs")
        );
        assert_eq!(long_form(&tag("!", "Bogus")), None);
        assert_eq!(long_form(&tag("!!", "Ref")), None);
    }
}
