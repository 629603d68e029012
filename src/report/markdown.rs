//! The incident report as Markdown, with its charts as SVG files beside it. Text from logs
//! is escaped for Markdown and for the HTML a Markdown renderer passes through.

use super::charts;
use super::contents::{thousands, Report};

/// Renders `r`; the charts are named `STEM-NAME.svg`. Returns the Markdown and the charts
/// (file name and SVG).
pub fn render(r: &Report, stem: &str) -> (String, Vec<(String, String)>) {
    let mut md = String::new();
    let mut images = Vec::new();
    let mut image = |md: &mut String, name: &str, alt: &str, svg: String| {
        let file = esc_link(&format!("{stem}-{name}.svg"));
        md.push_str(&format!("![{}]({file})\n\n", esc(alt)));
        images.push((file, svg));
    };
    md.push_str(&format!("# Incident report: {}\n\n", esc(&r.title)));
    if let Some((a, b)) = &r.timeframe {
        md.push_str(&format!(
            "Events from {} to {}. Made {} by netsleuth.\n\n",
            esc(a),
            esc(b),
            esc(&r.generated)
        ));
    }
    if !r.summary.trim().is_empty() {
        md.push_str("## Summary\n\n");
        for para in r.summary.split("\n\n") {
            md.push_str(&format!("> {}\n\n", esc(para.trim())));
        }
    }
    md.push_str(&format!("**{}**\n\n", esc(&r.verdict)));
    md.push_str("| | |\n|---|---|\n");
    for (label, value) in &r.kpis {
        md.push_str(&format!("| {} | {} |\n", cell(label), cell(value)));
    }
    md.push('\n');
    for n in &r.notes {
        md.push_str(&format!("Note: {}\n\n", esc(n)));
    }
    if let Some((a, b)) = &r.timeframe {
        md.push_str("## Timeline\n\n");
        image(
            &mut md,
            "timeline",
            "Events and anomalous events over time",
            charts::timeline(&r.timeline, a, b).into_string(),
        );
    }
    md.push_str("## Where the sources are\n\n");
    image(
        &mut md,
        "map",
        "Sources on the world map",
        charts::map(&r.points).into_string(),
    );
    table2(&mut md, "Country", &r.countries);
    table2(&mut md, "AS organisation", &r.as_orgs);
    md.push_str("## Top findings\n\n");
    for s in &r.top {
        md.push_str(&format!(
            "### {:.0} `{}`\n\n{} · {} · {} · {} events{}\n\n",
            s.confidence,
            s.ip,
            esc(&s.action),
            esc(&s.role),
            esc(&s.severity),
            thousands(s.events),
            if s.place.is_empty() {
                String::new()
            } else {
                format!(" · {}", esc(&s.place))
            }
        ));
        for reason in &s.reasons {
            md.push_str(&format!("- {}\n", esc(reason)));
        }
        for e in &s.evidence {
            md.push_str(&format!("- evidence: {}\n", esc(e)));
        }
        if let Some(a) = &s.analyst {
            md.push_str(&format!("- analyst: {}\n", esc(a.verdict.label())));
            if !a.note.trim().is_empty() {
                md.push_str(&format!("\n> {}\n", esc(&a.note)));
            }
        }
        md.push('\n');
    }
    md.push_str("## Breakdowns\n\n");
    for (name, alt, rows) in [
        ("findings", "Flagged sources by finding", &r.reasons),
        ("ports", "Anomalous events by destination port", &r.ports),
        ("protocols", "Anomalous events by protocol", &r.protocols),
    ] {
        if !rows.is_empty() {
            image(&mut md, name, alt, charts::bars(rows, alt).into_string());
        }
    }
    if !r.evaluation.is_empty() {
        md.push_str("## Against the labels\n\n| Level | Detector | ROC-AUC | Precision | Recall | FPR |\n|---|---|---|---|---|---|\n");
        for row in &r.evaluation {
            md.push_str(&format!(
                "| {} |\n",
                row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
            ));
        }
        md.push('\n');
    }
    md.push_str("## Blocklist\n\n");
    if r.blocklist.is_empty() {
        md.push_str("Nothing is on the blocklist.\n\n");
    } else {
        md.push_str("| Address | Action | Direction | Reason | Origin | Files | Added |\n|---|---|---|---|---|---|---|\n");
        for row in &r.blocklist {
            md.push_str(&format!(
                "| {} |\n",
                row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
            ));
        }
        md.push('\n');
    }
    md.push_str("## Method\n\n| File | Format | Events | Skipped | Bytes | SHA-256 |\n|---|---|---|---|---|---|\n");
    for f in &r.files {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            cell(&f.path),
            cell(&f.format),
            thousands(f.events),
            thousands(f.skipped),
            thousands(f.size),
            cell(&f.sha256)
        ));
    }
    md.push('\n');
    for m in &r.method {
        md.push_str(&format!("- {}\n", esc(m)));
    }
    (md, images)
}

fn table2(md: &mut String, head: &str, rows: &[(String, u64)]) {
    if rows.is_empty() {
        return;
    }
    md.push_str(&format!("| {head} | Flagged sources |\n|---|---|\n"));
    for (k, n) in rows {
        md.push_str(&format!("| {} | {} |\n", cell(k), thousands(*n)));
    }
    md.push('\n');
}

/// Text made inert for Markdown: HTML special characters become entities, Markdown's
/// punctuation is backslash-escaped, control characters and line breaks become spaces.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.'
            | '!' | '|' | '~' | ':' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn cell(s: &str) -> String {
    esc(s)
}

/// A file name as a link target: only characters that need no escaping.
fn esc_link(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_text_is_inert() {
        let e = esc("<script>alert(1)</script> [x](javascript:alert(1)) | *b* `c`\nnext");
        assert!(!e.contains('<') && !e.contains('\n'), "{e}");
        assert!(e.contains("\\[x\\]\\(javascript\\:alert\\(1\\)\\)"), "{e}");
        assert!(
            e.contains("\\|") && e.contains("\\*b\\*") && e.contains("\\`c\\`"),
            "{e}"
        );
    }
}
