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

fn is_invisible_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\u{00A0}'
            | '\u{3000}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2060}'
            | '\u{FEFF}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
    )
}

#[cfg(test)]
mod tests {
    use super::fold_typed;

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
