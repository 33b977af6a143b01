//! The built-in functions: one table of names, arities, argument kinds (for
//! the checker's static checks on literals), signatures, documentation and
//! an example each with its expected result (`:help NAME`, `onus help
//! builtins`; a unit test evaluates every example). `eval::builtins`,
//! `eval::patterns` and `eval::walk` implement them.

/// What a parameter accepts, for static checks on literal arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    Any,
    Str,
    List,
    Number,
    Bool,
    /// A list, an object or a string.
    Collection,
}

macro_rules! builtins {
    ($($variant:ident $name:literal ($min:literal, $max:literal) [$($param:ident),*]
       $signature:literal $doc:literal ($example:literal, $expected:literal);)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Builtin { $($variant),* }

        impl Builtin {
            pub const ALL: &'static [Builtin] = &[$(Builtin::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Builtin::$variant => $name),* }
            }

            /// Fewest and most arguments (`usize::MAX`: variadic).
            pub fn arity(self) -> (usize, usize) {
                match self { $(Builtin::$variant => ($min, $max)),* }
            }

            /// Declared parameter kinds; the last one repeats for variadics.
            pub fn params(self) -> &'static [Param] {
                match self { $(Builtin::$variant => &[$(Param::$param),*]),* }
            }

            /// How a call is written, optional arguments in brackets:
            /// `glob(pattern, s[, ignore_case])`.
            pub fn signature(self) -> &'static str {
                match self { $(Builtin::$variant => $signature),* }
            }

            /// One paragraph: what it returns, and when it is an error.
            pub fn doc(self) -> &'static str {
                match self { $(Builtin::$variant => $doc),* }
            }

            /// An expression using it, and how its value displays (compact
            /// JSON; enum words, dates and durations as written).
            pub fn example(self) -> (&'static str, &'static str) {
                match self { $(Builtin::$variant => ($example, $expected)),* }
            }
        }
    };
}

builtins! {
    Len "len" (1, 1) [Collection] "len(x)"
        "The number of elements of a list, entries of an object, or characters (not bytes) of a string. Any other value is a type error."
        ("len([\"a\", \"b\", \"c\"])", "3");
    Count "count" (1, 1) [Collection] "count(x)"
        "The same as `len`: the number of elements, entries or characters."
        ("count({ a: 1, b: 2 })", "2");
    Sum "sum" (1, 1) [List] "sum(list)"
        "The sum of a list of numbers; 0 for an empty list. Integers stay exact; a sum that overflows (64-bit integers, or decimals past the largest finite number) is an error, as for `+`."
        ("sum([1, 2, 3.5])", "6.5");
    Min "min" (1, 64) [Any] "min(list) | min(a, b, ...)"
        "The smallest element of a list, or of the arguments: numbers, strings, dates, durations or severities. Values that cannot be compared, and an empty list, are errors."
        ("min([3, 1, 2])", "1");
    Max "max" (1, 64) [Any] "max(list) | max(a, b, ...)"
        "The largest element of a list, or of the arguments, compared as `min` compares."
        ("max(low, critical, medium)", "critical");
    Keys "keys" (1, 1) [Any] "keys(object)"
        "The keys of an object, as strings, in the object's order."
        ("keys({ b: 1, a: 2 })", "[\"b\",\"a\"]");
    Values "values" (1, 1) [Any] "values(object)"
        "The values of an object, in the object's order."
        ("values({ b: 1, a: 2 })", "[1,2]");
    Unique "unique" (1, 1) [List] "unique(list)"
        "The list without repeated elements, each kept where it first occurs. Elements are compared as `==` compares them."
        ("unique([3, 1, 3, 2, 1])", "[3,1,2]");
    Sort "sort" (1, 1) [List] "sort(list)"
        "The list in ascending order: numbers, strings, dates, durations or severities, not mixed."
        ("sort([\"b\", \"c\", \"a\"])", "[\"a\",\"b\",\"c\"]");
    Flatten "flatten" (1, 1) [List] "flatten(list)"
        "The elements of a list of lists, one level deep, in order; elements that are not lists are kept as they are."
        ("flatten([[1], [2, 3], 4])", "[1,2,3,4]");
    Lower "lower" (1, 1) [Str] "lower(s)"
        "The string in lower case (Unicode rules)."
        ("lower(\"AbC\")", "\"abc\"");
    Upper "upper" (1, 1) [Str] "upper(s)"
        "The string in upper case (Unicode rules)."
        ("upper(\"AbC\")", "\"ABC\"");
    Trim "trim" (1, 1) [Str] "trim(s)"
        "The string without leading and trailing whitespace."
        ("trim(\"  x \")", "\"x\"");
    Replace "replace" (3, 3) [Str, Str, Str] "replace(s, from, to)"
        "The string with every occurrence of the literal text `from` replaced by `to`. For patterns, see `regex_replace`."
        ("replace(\"a-b-c\", \"-\", \"+\")", "\"a+b+c\"");
    Contains "contains" (2, 2) [Collection, Any] "contains(x, item)"
        "Whether a string contains a substring, a list an element (compared as `==` compares), or an object a key."
        ("contains(\"haystack\", \"st\")", "true");
    StartsWith "starts_with" (2, 2) [Str, Str] "starts_with(s, prefix)"
        "Whether the string starts with the prefix."
        ("starts_with(\"arn:aws:iam::1:root\", \"arn:\")", "true");
    EndsWith "ends_with" (2, 2) [Str, Str] "ends_with(s, suffix)"
        "Whether the string ends with the suffix."
        ("ends_with(\"plan.json\", \".json\")", "true");
    Matches "matches" (2, 2) [Str, Str] "matches(s, pattern)"
        "Whether the string contains a match of the regular expression (Rust regex syntax; anchor with `^…$` to match the whole string). Write `{{`/`}}` for braces in the pattern. A pattern built at run time is compiled once per run; an invalid one is an error."
        ("matches(\"AKIAABCDEFGHIJKLMNOP\", \"^AKIA[A-Z0-9]{{16}}$\")", "true");
    Glob "glob" (2, 3) [Str, Str, Bool] "glob(pattern, s[, ignore_case])"
        "Whether the whole string matches the glob pattern: `*` matches any run of characters (`/` and `:` included, none too), `?` exactly one character, and every other character only itself, as in IAM policies and fnmatch. With `true` as the third argument, letter case is ignored. Compiled once per run."
        ("glob(\"s3:Get*\", \"s3:GetObject\")", "true");
    RegexEscape "regex_escape" (1, 1) [Str] "regex_escape(s)"
        "The string with every regular-expression metacharacter escaped, so that `matches(x, regex_escape(s))` looks for `s` literally."
        ("regex_escape(\"a.b*\")", "\"a\\\\.b\\\\*\"");
    RegexReplace "regex_replace" (3, 3) [Str, Str, Str] "regex_replace(s, pattern, replacement)"
        "The string with every match of the regular expression replaced. In the replacement, `$1` or `${1}` is a numbered group, `${name}` a named one, `$$` a dollar sign; a group that did not take part is empty."
        ("regex_replace(\"us-east-1\", \"^([a-z]+)-.*$\", \"$1\")", "\"us\"");
    RegexFind "regex_find" (2, 2) [Str, Str] "regex_find(s, pattern)"
        "The first match of the regular expression in the string, or null when there is none."
        ("regex_find(\"vpc-0a1b and vpc-9z\", \"vpc-[0-9a-z]+\")", "\"vpc-0a1b\"");
    RegexFindAll "regex_find_all" (2, 2) [Str, Str] "regex_find_all(s, pattern)"
        "Every non-overlapping match of the regular expression in the string, in order (an empty list when there is none)."
        ("regex_find_all(\"a1 b22 c\", \"[0-9]+\")", "[\"1\",\"22\"]");
    RegexCaptures "regex_captures" (2, 2) [Str, Str] "regex_captures(s, pattern)"
        "The groups of the first match: a list whose element 0 is the whole match and element N the N-th group (null when that group did not take part), or null when nothing matches."
        ("regex_captures(\"arn:aws:s3:::logs\", \"^arn:([^:]*):([^:]*):\")", "[\"arn:aws:s3:\",\"aws\",\"s3\"]");
    Split "split" (2, 2) [Str, Str] "split(s, separator)"
        "The parts of the string between occurrences of the separator, which must not be empty."
        ("split(\"a,b,c\", \",\")", "[\"a\",\"b\",\"c\"]");
    Join "join" (2, 2) [List, Str] "join(list, separator)"
        "One string: the elements (strings as they are, other values as JSON) with the separator between them."
        ("join([\"a\", \"b\", 3], \"-\")", "\"a-b-3\"");
    Has "has" (1, 1) [Any] "has(path)"
        "Whether every step of a path such as `x.a.b[0]` exists. Never an error for its path: false when a key or index is missing, or a step meets null or a value that is not an object or list where the step needs one. A value that is there and null counts as there."
        ("has({ a: { b: null } }.a.b)", "true");
    TypeOf "type_of" (1, 1) [Any] "type_of(x)"
        "The type's name: null, bool, number, string, list, object, date, duration, ownership, severity or enforcement."
        ("type_of(90d)", "\"duration\"");
    ToNumber "to_number" (1, 1) [Any] "to_number(x)"
        "A number from a number or a string holding one (`\"42\"`, `\"1.5\"`); anything else is an error."
        ("to_number(\"42\")", "42");
    ToString "to_string" (1, 1) [Any] "to_string(x)"
        "A string: strings as they are, enum words, dates and durations as written, other values as compact JSON."
        ("to_string([1, 2])", "\"[1,2]\"");
    FromJson "from_json" (1, 1) [Str] "from_json(s)"
        "The value of JSON text held in a string (IAM policy documents in plans are written so); invalid JSON is an error."
        ("from_json(\"{{\\\"a\\\": [1]}}\").a", "[1]");
    Date "date" (1, 1) [Any] "date(x)"
        "A date from a date, `YYYY-MM-DD`, or an RFC 3339 timestamp (its UTC day)."
        ("date(\"2026-01-15T10:00:00Z\")", "2026-01-15");
    Now "now" (0, 0) [] "now()"
        "The run's fixed date: `--now`, else today in UTC. Also written as the name `now`."
        ("now()", "2026-11-22");
    DaysSince "days_since" (1, 1) [Any] "days_since(x)"
        "Whole days from a date or timestamp until `now` (negative for a date after it)."
        ("days_since(\"2026-11-12\")", "10");
    Abs "abs" (1, 1) [Number] "abs(n)"
        "The absolute value of a number."
        ("abs(-3)", "3");
    CidrContains "cidr_contains" (2, 2) [Str, Str] "cidr_contains(net, x)"
        "Whether the address or CIDR `x` lies wholly inside the CIDR `net` (IPv4 or IPv6); equal networks count as inside."
        ("cidr_contains(\"10.0.0.0/8\", \"10.1.2.3\")", "true");
    CidrOverlaps "cidr_overlaps" (2, 2) [Str, Str] "cidr_overlaps(a, b)"
        "Whether two addresses or CIDRs share at least one address."
        ("cidr_overlaps(\"10.0.0.0/8\", \"10.200.0.0/16\")", "true");
    IsPublicCidr "is_public_cidr" (1, 1) [Str] "is_public_cidr(x)"
        "Whether the address or CIDR contains any globally routable address: `0.0.0.0/0` and `::/0` do, RFC 1918 ranges do not."
        ("is_public_cidr(\"0.0.0.0/0\")", "true");
    Owner "owner" (2, 2) [Any, Any] "owner(service, layer)"
        "Who owns the layer of the service: its decider (provider, customer, shared or none)."
        ("owner(orders_db, exposure)", "customer");
    Decider "decider" (2, 2) [Any, Any] "decider(service, layer)"
        "Who decides the layer of the service, after its model's `extends` and the service's overrides; null when unassigned."
        ("decider(orders_db, facility)", "provider");
    Operator "operator" (2, 2) [Any, Any] "operator(service, layer)"
        "Who operates the layer day to day: its `operated_by` party, else its decider."
        ("operator(orders_db, backup)", "\"provider\"");
    Walk "walk" (1, 1) [Any] "walk(x)"
        "Every value in `x`, `x` itself first, in pre-order: a list of `[path, value]` pairs, where a path lists the object keys (strings) and list indices (numbers) from `x` down. Finds resources at any depth, such as modules nested in a Terraform plan."
        ("walk({ a: [true] })", "[[[],{\"a\":[true]}],[[\"a\"],[true]],[[\"a\",0],true]]");
    GroupBy "group_by" (1, 2) [List, Str] "group_by(list, field) | group_by(pairs)"
        "An object from each key to the list of all elements with that key, in their order, built in one pass. With a field name, the key is each element's field (missing is an error; write a comprehension with `??` to default it); with one argument, the list holds `[key, value]` pairs. Keys must be strings."
        ("group_by([{ t: \"a\", n: 1 }, { t: \"b\", n: 2 }, { t: \"a\", n: 3 }], \"t\").a", "[{\"t\":\"a\",\"n\":1},{\"t\":\"a\",\"n\":3}]");
    Documents "documents" (1, 1) [Any] "documents(x)"
        "`x` itself when it is a list, otherwise the one-element list `[x]`: a YAML file with one document and a stream of several (or JSON and JSON lines) read the same, as `for d in documents(facts)`."
        ("documents({ kind: \"Pod\" })", "[{\"kind\":\"Pod\"}]");
    Accountable "accountable" (2, 2) [Any, Any] "accountable(service, layer)"
        "Who answers for the layer of the service: a third party's `accountable_to` party, else the decider."
        ("accountable(orders_db, identity)", "\"customer\"");
}

impl Builtin {
    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.iter().copied().find(|b| b.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::Builtin;
    use crate::Session;
    use crate::value::Value;

    /// How an example's value is written in the table.
    fn shown(v: &Value<'_>) -> String {
        match v {
            Value::Word(_) | Value::Date(_) | Value::Duration(_) => v.display(),
            v => v.to_json().to_string(),
        }
    }

    #[test]
    fn every_example_evaluates_to_its_expected_value() {
        let mut session = Session::new(crate::eval::Options {
            now: jiff::civil::date(2026, 11, 22),
            max_steps: None,
            timeout: None,
            jobs: Some(1),
            show_passed: false,
        });
        session.load_source(
            "examples.onus",
            "use std\nservice orders_db: managed_database {}\n".into(),
        );
        session.check();
        assert!(!session.has_errors(), "{:?}", session.diagnostics);
        for b in Builtin::ALL {
            let (example, expected) = b.example();
            assert!(
                example.contains(&format!("{}(", b.name())),
                "{}: the example does not call it",
                b.name()
            );
            assert!(
                b.signature().starts_with(&format!("{}(", b.name())),
                "{}: {}",
                b.name(),
                b.signature()
            );
            let got = session
                .eval_expr("example", example, shown)
                .unwrap_or_else(|d| panic!("{}: {example}: {d:?}", b.name()));
            assert_eq!(got, expected, "{}: {example}", b.name());
        }
    }

    /// The fuzz dictionary names every built-in and every std module's
    /// `fn`, so the fuzzer reaches each new one without being told.
    #[test]
    fn the_fuzz_dictionary_names_every_builtin_and_std_function() {
        let dict = include_str!("../fuzz/onus.dict");
        let std_fns = include_str!("../stdlib/terraform.onus")
            .lines()
            .filter_map(|l| l.strip_prefix("fn "))
            .filter_map(|l| l.split('(').next());
        let names = Builtin::ALL.iter().map(|b| b.name()).chain(std_fns);
        let missing: Vec<&str> = names
            .filter(|n| !dict.contains(&format!("\"{n}")))
            .collect();
        assert!(missing.is_empty(), "not in fuzz/onus.dict: {missing:?}");
        assert!(dict.contains("\"use std.terraform"));
    }
}
