//! Characters print does not show, written `‹U+XXXX›`: a feature writes a query that way (a space
//! at the end of a value, a soft hyphen, a combining accent), and a failure shows a query the same
//! way, so that what was asked can be read.

/// The text with each `‹U+XXXX›` (4 to 6 hexadecimal digits) replaced by the character it names.
pub fn expand(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("‹U+") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "‹U+".len()..];
        let end = after.find('›').ok_or_else(|| format!("{text:?}: ‹U+ without its ›"))?;
        let c = u32::from_str_radix(&after[..end], 16)
            .ok()
            .filter(|_| (4..=6).contains(&end))
            .and_then(char::from_u32)
            .ok_or_else(|| format!("{text:?}: ‹U+{}› names no character", &after[..end]))?;
        out.push(c);
        rest = &after[end + '›'.len_utf8()..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A query as a person can read it: each character print does not show, or shows as something
/// else, written `‹U+XXXX›`: control and format characters (the soft hyphen, zero-width ones),
/// blanks other than the space, combining marks (a name written decomposed), and a space at the
/// end of the query or just after an `=` (where it starts a value).
pub fn shown(query: &str) -> String {
    let chars: Vec<char> = query.chars().collect();
    let mut out = String::with_capacity(query.len());
    for (i, &c) in chars.iter().enumerate() {
        let edge_space = c == ' ' && (i + 1 == chars.len() || i.checked_sub(1).is_some_and(|j| chars[j] == '='));
        if edge_space || (c != ' ' && (c.is_whitespace() || c.is_control() || invisible(c))) {
            out.push_str(&format!("‹U+{:04X}›", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Format characters (Unicode category Cf) and combining diacritical marks.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{AD}' | '\u{61C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
        | '\u{300}'..='\u{36F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_points_written_in_brackets_become_their_characters() {
        assert_eq!(expand("name=Beta 6 Test").unwrap(), "name=Beta 6 Test");
        assert_eq!(expand("name=Test‹U+0020›").unwrap(), "name=Test ");
        assert_eq!(expand("name=E‹U+0301›cole, ‹U+FF16›").unwrap(), "name=E\u{301}cole, \u{FF16}");
        for bad in ["name=‹U+0020", "name=‹U+D800›", "name=‹U+20›", "name=‹U+zzzz›", "name=‹U+1234567›"]
        {
            assert!(expand(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn what_print_does_not_show_is_shown_as_its_code_point_and_reads_back() {
        for (query, written) in [
            ("name=Beta 6 Test", "name=Beta 6 Test"),
            ("name=Beta 6 Test ", "name=Beta 6 Test‹U+0020›"),
            ("name= Beta 6 Test", "name=‹U+0020›Beta 6 Test"),
            ("name=Be\u{AD}ta", "name=Be‹U+00AD›ta"),
            ("name=E\u{301}cole", "name=E‹U+0301›cole"),
            ("name=a\u{A0}b\tc", "name=a‹U+00A0›b‹U+0009›c"),
            ("name=Beta \u{FF16} Test, ß", "name=Beta \u{FF16} Test, ß"),
        ] {
            assert_eq!(shown(query), written);
            assert_eq!(expand(written).unwrap(), query);
        }
    }
}
