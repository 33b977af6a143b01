//! The built-in functions: names, arities and the argument types the
//! checker can verify on literals. `eval::builtins` implements them.

/// What a parameter accepts, for static checks on literal arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    Any,
    Str,
    List,
    Number,
    /// A list, an object or a string.
    Collection,
}

macro_rules! builtins {
    ($($variant:ident $name:literal ($min:literal, $max:literal) [$($param:ident),*] $doc:literal;)*) => {
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

            /// One line of documentation, for `:help` and completion.
            pub fn doc(self) -> &'static str {
                match self { $(Builtin::$variant => $doc),* }
            }
        }
    };
}

builtins! {
    Len "len" (1, 1) [Collection] "number of elements, entries or characters";
    Count "count" (1, 1) [Collection] "number of elements (same as len)";
    Sum "sum" (1, 1) [List] "sum of a list of numbers";
    Min "min" (1, 64) [Any] "smallest of a list, or of the arguments";
    Max "max" (1, 64) [Any] "largest of a list, or of the arguments";
    Keys "keys" (1, 1) [Any] "the keys of an object, in order";
    Values "values" (1, 1) [Any] "the values of an object, in order";
    Unique "unique" (1, 1) [List] "a list without repeated elements, first occurrences kept";
    Sort "sort" (1, 1) [List] "a sorted list (numbers, strings, dates, durations)";
    Flatten "flatten" (1, 1) [List] "concatenates a list of lists";
    Lower "lower" (1, 1) [Str] "lower-case string";
    Upper "upper" (1, 1) [Str] "upper-case string";
    Trim "trim" (1, 1) [Str] "string without leading and trailing whitespace";
    Replace "replace" (3, 3) [Str, Str, Str] "replace(s, from, to): every occurrence replaced";
    Contains "contains" (2, 2) [Collection, Any] "substring of a string, or element of a list";
    StartsWith "starts_with" (2, 2) [Str, Str] "whether a string starts with a prefix";
    EndsWith "ends_with" (2, 2) [Str, Str] "whether a string ends with a suffix";
    Matches "matches" (2, 2) [Str, Str] "whether a string matches a regular expression (Rust regex syntax)";
    Split "split" (2, 2) [Str, Str] "split(s, sep): list of parts";
    Join "join" (2, 2) [List, Str] "join(list, sep): one string";
    Has "has" (1, 1) [Any] "whether a path such as x.a.b exists (no error when it does not)";
    TypeOf "type_of" (1, 1) [Any] "the type name: null bool number string list object date duration ...";
    ToNumber "to_number" (1, 1) [Any] "a number from a number or a numeric string";
    ToString "to_string" (1, 1) [Any] "a string: strings as they are, other values as JSON";
    FromJson "from_json" (1, 1) [Str] "parses JSON held in a string (IAM policy documents in plans)";
    Date "date" (1, 1) [Any] "a date from YYYY-MM-DD or an RFC 3339 timestamp";
    Now "now" (0, 0) [] "the run's fixed date (--now), today in UTC by default";
    DaysSince "days_since" (1, 1) [Any] "whole days from a date or timestamp until now";
    Abs "abs" (1, 1) [Number] "absolute value";
    CidrContains "cidr_contains" (2, 2) [Str, Str] "cidr_contains(net, x): x (address or CIDR) lies wholly inside net";
    CidrOverlaps "cidr_overlaps" (2, 2) [Str, Str] "whether two CIDRs share an address";
    IsPublicCidr "is_public_cidr" (1, 1) [Str] "whether an address or CIDR contains a globally routable address";
    Owner "owner" (2, 2) [Any, Any] "owner(service, layer): who decides the layer (the decider owns it)";
    Decider "decider" (2, 2) [Any, Any] "decider(service, layer): provider, customer, shared, none or a declared party";
    Operator "operator" (2, 2) [Any, Any] "operator(service, layer): who operates the layer";
    Accountable "accountable" (2, 2) [Any, Any] "accountable(service, layer): who answers for the layer (a third party's accountable_to, else the decider)";
}

impl Builtin {
    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.iter().copied().find(|b| b.name() == name)
    }
}
