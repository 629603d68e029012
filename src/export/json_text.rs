//! JSON arrays written element by element: the bytes serde_json's pretty printer gives for the
//! whole array, with only one element built at a time, so an export of a million entries
//! holds the text it writes and not a tree of every value besides.

use serde_json::Value;

/// Appends `items` to `out` as a pretty-printed JSON array whose brackets sit at `depth`
/// levels of two-space indentation.
pub(super) fn pretty_array(
    out: &mut Vec<u8>,
    depth: usize,
    items: impl IntoIterator<Item = Value>,
) {
    let pad = "  ".repeat(depth + 1);
    let mut any = false;
    out.push(b'[');
    for item in items {
        out.extend_from_slice(if any { b",\n" } else { b"\n" });
        any = true;
        let text = serde_json::to_string_pretty(&item).expect("JSON values serialise");
        // String values are escaped: every newline in the text is the printer's own.
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(pad.as_bytes());
            out.extend_from_slice(line.as_bytes());
        }
    }
    if any {
        out.push(b'\n');
        out.extend_from_slice(&pad.as_bytes()[2..]);
    }
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_bytes_are_those_of_the_whole_array_pretty_printed() {
        let cases = [
            vec![],
            vec![json!({"ip": "1.2.3.4"})],
            vec![
                json!({"ip": "1.2.3.4", "comment": "a \"quoted\"\nline"}),
                json!({"nested": {"list": [1, 2, {"deep": []}], "empty": {}}}),
                json!("plain"),
            ],
        ];
        for items in cases {
            let mut out = Vec::new();
            pretty_array(&mut out, 0, items.clone());
            assert_eq!(out, serde_json::to_vec_pretty(&items).unwrap());
            // Inside an object, one level down.
            let mut inner = b"{\n  \"rules\": ".to_vec();
            pretty_array(&mut inner, 1, items.clone());
            inner.extend_from_slice(b"\n}");
            assert_eq!(
                inner,
                serde_json::to_vec_pretty(&json!({ "rules": items })).unwrap()
            );
        }
    }
}
