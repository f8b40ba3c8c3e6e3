//! How a phone number, an SMS code or an invitation code is typed in practice, folded
//! to the ASCII the rules are written in, on both sides of the wire (issue 10).
//!
//! Contact apps wrap a pasted number in directional marks (U+202D … U+202C), some
//! keyboards put no-break spaces between digit groups, and a Chinese IME in
//! full-width mode types `１３８` (U+FF11 …). Folding before parsing makes one number
//! one account, one cooldown and one set of caps however it was typed. Passwords are
//! never folded: what was typed is the secret.

/// `input` with full-width ASCII forms (U+FF01–U+FF5E: `１`, `Ａ`, `＋`, `－`)
/// turned into their ASCII characters, and every space, no-break space (U+00A0),
/// ideographic space (U+3000), tab, zero-width character (U+200B–U+200D, U+2060,
/// U+FEFF) and directional mark (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069)
/// removed. Every other character is kept as it is, so digits of other scripts
/// (Arabic-Indic `٣`, Devanagari `३`) still fail the ASCII rules after folding.
pub fn fold_typed(input: &str) -> String {
    input
        .chars()
        .filter(|&c| !is_invisible_separator(c))
        .map(|c| match u32::from(c) {
            0xFF01..=0xFF5E => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// What [`fold_typed`] removes, as ranges of characters: spaces, tab, zero-width
/// characters and directional marks (see there). One list for the folding and for
/// [`TypedPattern`]'s class of it.
const REMOVED: [(char, char); 9] = [
    (' ', ' '),
    ('\t', '\t'),
    ('\u{00A0}', '\u{00A0}'),
    ('\u{3000}', '\u{3000}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{2060}', '\u{2060}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2066}', '\u{2069}'),
];

fn is_invisible_separator(c: char) -> bool {
    REMOVED
        .iter()
        .any(|&(first, last)| (first..=last).contains(&c))
}

/// [`REMOVED`] as the body of a character class in an HTML `pattern` (browsers
/// compile `pattern` with the `v` flag: `\u` escapes, no bare `-`).
fn removed_class() -> String {
    REMOVED
        .iter()
        .map(|&(first, last)| {
            let escape = |c: char| format!("\\u{:04X}", u32::from(c));
            if first == last {
                escape(first)
            } else {
                format!("{}-{}", escape(first), escape(last))
            }
        })
        .collect()
}

/// An HTML `pattern` attribute for a rule over folded input (docs/DESIGN.md §8,
/// "Before the wasm"): the browser checks it with no script, so the page can show
/// the rule's message before the wasm runs. Each piece is written over ASCII and
/// accepts what [`fold_typed`] turns into it: the full-width form of each character
/// and, between characters, anything folding removes (and `-`, `－` when
/// `dashes` is set, for the rules that drop dashes after folding).
///
/// The pattern must accept whatever the rule's `parse` accepts, so the browser
/// never shows an error the rule would not; `tests/rule_samples.json` holds the
/// inputs both are tested on (the rule's unit test, and the browser test with
/// Chromium's own `pattern` check). An empty input never fails a `pattern`.
pub struct TypedPattern {
    skip: String,
    pattern: String,
}

impl TypedPattern {
    /// A pattern that so far accepts only removable characters.
    pub fn new(dashes: bool) -> Self {
        let dash = if dashes { r"\-－" } else { "" };
        let skip = format!("[{}{dash}]*", removed_class());
        Self {
            pattern: skip.clone(),
            skip,
        }
    }

    /// Then one character of `ascii`: a class body of ASCII characters and ranges
    /// (`0-9`, `A-TV-Z`) with no `-` of its own, no escape and none of `()[]{}/|\`.
    pub fn one(mut self, ascii: &str) -> Self {
        self.pattern.push_str(&self.unit(ascii));
        self
    }

    /// Then `count` characters of `ascii` (as [`Self::one`]).
    pub fn repeat(mut self, ascii: &str, count: usize) -> Self {
        let unit = self.unit(ascii);
        self.pattern.push_str(&format!("(?:{unit}){{{count}}}"));
        self
    }

    /// Then, optionally, one of the ASCII `prefixes` (e.g. `+86`), character by
    /// character; each must be free of class syntax.
    pub fn optional(mut self, prefixes: &[&str]) -> Self {
        let alternatives: Vec<String> = prefixes
            .iter()
            .map(|prefix| prefix.chars().map(|c| self.unit(&c.to_string())).collect())
            .collect();
        self.pattern
            .push_str(&format!("(?:{})?", alternatives.join("|")));
        self
    }

    /// The attribute's value.
    pub fn build(self) -> String {
        self.pattern
    }

    /// One character of `ascii` or its full-width form, then removable ones.
    fn unit(&self, ascii: &str) -> String {
        debug_assert!(
            !ascii.starts_with('^')
                && !ascii.contains(['(', ')', '[', ']', '{', '}', '/', '|', '\\']),
            "not a plain class body: {ascii}"
        );
        let full_width: String = ascii
            .chars()
            .map(|c| match c {
                '!'..='~' if c != '-' => char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .collect();
        format!("[{ascii}{full_width}]{}", self.skip)
    }
}

#[cfg(test)]
mod tests {
    use super::{fold_typed, TypedPattern};
    use crate::domain::{InvitationCode, PasswordChecklist, PhoneNumber, SmsCode};

    /// The shared samples agree with the rules; the browser test checks the same
    /// samples against Chromium's `pattern` check, so rule and pattern agree.
    #[test]
    fn rule_samples_are_judged_as_the_rules_judge_them() {
        let samples: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/rule_samples.json")).unwrap();
        type Accepts = fn(&str) -> bool;
        let rules: [(&str, Accepts); 5] = [
            ("phone", |s| PhoneNumber::parse(s).is_ok()),
            ("code", |s| SmsCode::parse(s).is_ok()),
            ("invitation", |s| InvitationCode::parse(s).is_ok()),
            ("invitation_optional", |s| {
                InvitationCode::parse_optional(s).is_ok()
            }),
            ("password", |s| {
                let c = PasswordChecklist::of(s, None);
                c.length && c.kinds && c.charset
            }),
        ];
        for (rule, accepts) in rules {
            for (key, expected) in [("valid", true), ("invalid", false)] {
                let inputs = samples[rule][key].as_array().unwrap();
                assert!(inputs.len() >= 5, "{rule}: too few {key} samples");
                for input in inputs {
                    let input = input.as_str().unwrap();
                    assert_eq!(accepts(input), expected, "{rule} {input:?}");
                }
            }
        }
    }

    #[test]
    fn a_pattern_accepts_full_width_forms_and_removable_characters_between_units() {
        let removable =
            r"[\u0020\u0009\u00A0\u3000\u200B-\u200F\u2060\uFEFF\u202A-\u202E\u2066-\u2069]*";
        assert_eq!(
            TypedPattern::new(false).one("1").repeat("0-9", 2).build(),
            format!("{removable}[1１]{removable}(?:[0-9０-９]{removable}){{2}}")
        );
        let dashes = removable.replace("]*", r"\-－]*");
        assert_eq!(
            TypedPattern::new(true).optional(&["+8", "0"]).build(),
            format!("{dashes}(?:[+＋]{dashes}[8８]{dashes}|[0０]{dashes})?")
        );
    }

    #[test]
    fn full_width_forms_become_ascii() {
        assert_eq!(fold_typed("１３８００１３８０００"), "13800138000");
        assert_eq!(fold_typed("＋８６－１３８"), "+86-138");
        assert_eq!(fold_typed("ａｂＸＹ"), "abXY");
    }

    #[test]
    fn spaces_zero_width_characters_and_directional_marks_are_removed() {
        assert_eq!(
            fold_typed("\u{202D}138 0013\u{00A0}8000\u{202C}"),
            "13800138000"
        );
        assert_eq!(
            fold_typed("138\u{3000}0013\u{200B}8000\u{2069}"),
            "13800138000"
        );
        assert_eq!(fold_typed("\u{200E}\u{2066}723\t738\u{FEFF}"), "723738");
    }

    #[test]
    fn other_scripts_are_left_alone() {
        assert_eq!(fold_typed("١٣٨"), "١٣٨");
        assert_eq!(fold_typed("१३८"), "१३८");
        assert_eq!(fold_typed("密码"), "密码");
    }
}
