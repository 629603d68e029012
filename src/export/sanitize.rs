//! Making log-derived text (reasons, notes) safe inside each target's comments and strings: a
//! reason holding a newline, a quote, `}` or `*/` must not change what the file means.

/// `s` on one line: control characters, line and paragraph separators and bidirectional
/// controls become spaces, runs of spaces one, and the result is cut to `max` characters
/// (the last an ellipsis when cut).
pub fn one_line(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max * 4));
    let mut space = false;
    let mut n = 0;
    for c in s.chars() {
        let c = if c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}')
            || crate::detection::behaviour::is_bidi_control(c)
        {
            ' '
        } else {
            c
        };
        if c == ' ' {
            if space || out.is_empty() {
                continue;
            }
            space = true;
        } else {
            space = false;
        }
        if n + 1 > max {
            while out.chars().count() >= max.max(1) {
                out.pop();
            }
            out.push('…');
            break;
        }
        out.push(c);
        n += 1;
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

/// `s` for a comment running to the end of the line: on one line, and never ending in a
/// backslash, which Apache (so ModSecurity) and Squid take as joining the next line, the next
/// rule included, to the comment.
pub fn hash_comment(s: &str, max: usize) -> String {
    let mut out = one_line(s, max);
    while out.ends_with(['\\', ' ']) {
        out.pop();
    }
    out
}

/// `s` inside a double-quoted string whose syntax has no escapes (nft, ipset comments):
/// quotes and backslashes become apostrophes and slashes, and the result is at most
/// `max_bytes` bytes of UTF-8.
pub fn plain_quoted(s: &str, max_bytes: usize) -> String {
    let mut out = one_line(&s.replace('"', "'").replace('\\', "/"), max_bytes);
    if out.len() > max_bytes {
        let mut end = max_bytes.saturating_sub('…'.len_utf8());
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
        out.push('…');
    }
    out
}

/// `s` with only characters `allowed` keeps, others becoming `replacement` (for fields with a
/// pattern, such as AWS descriptions).
pub fn only(s: &str, allowed: impl Fn(char) -> bool, replacement: char, max: usize) -> String {
    let kept: String = one_line(s, max)
        .chars()
        .map(|c| if allowed(c) { c } else { replacement })
        .collect();
    kept.trim_matches(|c: char| c == replacement || c.is_whitespace())
        .to_string()
}

/// `s` as a JSON (and so YAML double-quoted) string literal, ASCII only.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// `s` as an HCL (Terraform) string literal: escapes, and `${` / `%{` kept literal.
pub fn hcl_string(s: &str) -> String {
    json_string(s).replace("${", "$${").replace("%{", "%%{")
}

/// `s` as a single-quoted shell word.
pub fn shell_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `s` for a CSV cell that spreadsheets open, by the rule detect's CSVs follow
/// ([`crate::report::spreadsheet_safe`]): a formula-like start (`=`, `+`, `-`, `@` or a
/// full-width look-alike after any white space, a tab or carriage return) gets a leading
/// apostrophe.
pub fn csv_cell(s: &str) -> String {
    crate::report::spreadsheet_safe(s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_stays_inside() {
        let evil = "GET /x\r\n}\n deny all; */ \"quoted\" \u{202e}";
        assert_eq!(one_line(evil, 100), "GET /x } deny all; */ \"quoted\"");
        assert_eq!(plain_quoted("a\"b\\c", 10), "a'b/c");
        let long = plain_quoted(&"é".repeat(100), 128);
        assert!(long.len() <= 128 && long.ends_with('…'), "{long}");
        assert_eq!(one_line("abcdef", 3), "ab…");
        assert_eq!(hash_comment("listed in feed\\ \\\\", 100), "listed in feed");
        assert_eq!(json_string("é\"\n"), "\"\\u00e9\\\"\\u000a\"");
        assert_eq!(hcl_string("${path}"), "\"$${path}\"");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(csv_cell(" =cmd|'/c calc'"), "' =cmd|'/c calc'");
        for lookalike in ["＝cmd", "＠SUM(1)", "＋1", "－1", "\u{a0}＝1"] {
            assert_eq!(csv_cell(lookalike), format!("'{lookalike}"));
        }
        assert_eq!(
            only(
                "Brute force: 55 tries (ssh)",
                |c| c.is_alphanumeric() || c == ' ',
                ' ',
                50
            ),
            "Brute force  55 tries  ssh"
        );
    }
}
