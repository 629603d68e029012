//! The incident report as one self-contained HTML file: styles inline, charts and map as
//! inline SVG, no script and no external request, printing cleanly to PDF. Every string
//! from a log goes through maud, which escapes it, so a log cannot add markup.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::charts;
use super::contents::{thousands, Report};

/// The style sheet: light, and page breaks between sections when printed.
const STYLE: &str = "
body { font-family: 'Noto Sans', 'DejaVu Sans', Arial, sans-serif; color: #1f2933;
  background: #ffffff; margin: 2em auto; max-width: 60em; line-height: 1.4; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #d64545; padding-bottom: 0.2em; margin-top: 1.6em; }
.lead { color: #52606d; }
.verdict { font-size: 1.2em; border-left: 6px solid #d64545; padding: 0.5em 1em;
  background: #fff5f5; }
.kpis { display: flex; flex-wrap: wrap; gap: 0.8em; }
.kpi { border: 1px solid #cbd2d9; border-radius: 6px; padding: 0.6em 1em; min-width: 8em; }
.kpi .v { font-size: 1.6em; font-weight: bold; }
.kpi .l { color: #52606d; font-size: 0.9em; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; margin: 0.6em 0; }
th, td { border-bottom: 1px solid #e4e7eb; padding: 0.3em 0.5em; text-align: left;
  vertical-align: top; overflow-wrap: break-word; }
td.nw, th.nw { white-space: nowrap; }
td.hash { overflow-wrap: anywhere; max-width: 12em; }
th { background: #f5f7fa; }
.finding { border: 1px solid #e4e7eb; border-radius: 6px; padding: 0.6em 1em; margin: 0.6em 0;
  break-inside: avoid; }
.finding .c { font-size: 1.4em; font-weight: bold; color: #d64545; margin-right: 0.4em; }
.mono { font-family: 'DejaVu Sans Mono', monospace; }
.note { background: #f0f4f8; border-radius: 4px; padding: 0.4em 0.8em; white-space: pre-wrap; }
.chart { width: 100%; height: auto; }
.map { border: 1px solid #e4e7eb; background: #f5f7fa; }
.small { font-size: 0.85em; color: #52606d; }
@media print {
  body { margin: 0; max-width: none; }
  section.page { break-before: page; }
  a { color: inherit; text-decoration: none; }
}
";

/// Renders `r` as a complete HTML document.
pub fn render(r: &Report) -> String {
    let doc = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy"
                    content="default-src 'none'; style-src 'unsafe-inline'; img-src data:";
                title { "Incident report: " (r.title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                section {
                    h1 { "Incident report: " (r.title) }
                    @if let Some((a, b)) = &r.timeframe {
                        p class="lead" { "Events from " (a) " to " (b) ". Made " (r.generated) " by netsleuth." }
                    }
                    @if !r.summary.trim().is_empty() {
                        h2 { "Summary" }
                        @for para in r.summary.split("\n\n") {
                            p class="note" { (para.trim()) }
                        }
                    }
                    p class="verdict" { (r.verdict) }
                    div class="kpis" {
                        @for (label, value) in &r.kpis {
                            div class="kpi" { div class="v" { (value) } div class="l" { (label) } }
                        }
                    }
                    @for n in &r.notes {
                        p { strong { "Note: " } (n) }
                    }
                }
                @if let Some((a, b)) = &r.timeframe {
                    section {
                        h2 { "Timeline" }
                        (charts::timeline(&r.timeline, a, b))
                    }
                }
                section class="page" {
                    h2 { "Where the sources are" }
                    (charts::map(&r.points))
                    (table2("Flagged sources by country", "Country", &r.countries))
                    (table2("Flagged sources by AS organisation", "AS organisation", &r.as_orgs))
                }
                section class="page" {
                    h2 { "Top findings" }
                    @if r.top.is_empty() {
                        p { "No source reaches half the auto-block threshold." }
                    }
                    @for s in &r.top {
                        div class="finding" {
                            p {
                                span class="c" { (format!("{:.0}", s.confidence)) }
                                strong class="mono" { (s.ip) }
                                " · " (s.action) " · " (s.role) " · " (s.severity) " · "
                                (thousands(s.events)) " events"
                            }
                            @if !s.place.is_empty() { p class="small" { (s.place) } }
                            ul {
                                @for reason in &s.reasons { li { (reason) } }
                            }
                            @if !s.evidence.is_empty() {
                                p class="small" { "Evidence:" }
                                ul class="small" {
                                    @for e in &s.evidence { li class="mono" { (e) } }
                                }
                            }
                            @if let Some(a) = &s.analyst {
                                p { strong { "Analyst: " } (a.verdict.label()) }
                                @if !a.note.trim().is_empty() {
                                    div class="note" { (a.note) }
                                }
                            }
                        }
                    }
                }
                section class="page" {
                    h2 { "Breakdowns" }
                    @if !r.reasons.is_empty() {
                        h3 { "Flagged sources by finding" }
                        (charts::bars(&r.reasons, "Flagged sources by finding"))
                    }
                    @if !r.ports.is_empty() {
                        h3 { "Anomalous events by destination port" }
                        (charts::bars(&r.ports, "Anomalous events by destination port"))
                    }
                    @if !r.protocols.is_empty() {
                        h3 { "Anomalous events by protocol" }
                        (charts::bars(&r.protocols, "Anomalous events by protocol"))
                    }
                }
                @if !r.evaluation.is_empty() {
                    section {
                        h2 { "Against the labels" }
                        table {
                            tr { th { "Level" } th { "Detector" } th { "ROC-AUC" } th { "Precision" } th { "Recall" } th { "FPR" } }
                            @for row in &r.evaluation {
                                tr { @for c in row { td { (c) } } }
                            }
                        }
                    }
                }
                section class="page" {
                    h2 { "Blocklist" }
                    @if r.blocklist.is_empty() {
                        p { "Nothing is on the blocklist." }
                    } @else {
                        table {
                            tr {
                                th class="nw" { "Address" } th class="nw" { "Action" }
                                th class="nw" { "Direction" } th { "Reason" } th class="nw" { "Origin" }
                                th { "Files" } th class="nw" { "Added" }
                            }
                            @for row in &r.blocklist {
                                tr {
                                    td class="mono nw" { (row[0]) }
                                    td class="nw" { (row[1]) }
                                    td class="nw" { (row[2]) }
                                    td { (row[3]) }
                                    td class="nw" { (row[4]) }
                                    td { (row[5]) }
                                    td class="nw" { (row[6]) }
                                }
                            }
                        }
                    }
                }
                section class="page" {
                    h2 { "Method" }
                    table {
                        tr { th { "File" } th { "Format" } th { "Events" } th { "Skipped" } th { "Bytes" } th { "SHA-256" } }
                        @for f in &r.files {
                            tr {
                                td class="mono" { (f.path) }
                                td { (f.format) }
                                td { (thousands(f.events)) }
                                td { (thousands(f.skipped)) }
                                td { (thousands(f.size)) }
                                td class="mono small hash" { (f.sha256) }
                            }
                        }
                    }
                    ul { @for m in &r.method { li { (m) } } }
                }
            }
        }
    };
    doc.into_string()
}

fn table2(caption: &str, head: &str, rows: &[(String, u64)]) -> Markup {
    html! {
        @if !rows.is_empty() {
            h3 { (caption) }
            table {
                tr { th { (head) } th { "Sources" } }
                @for (k, n) in rows { tr { td { (k) } td { (thousands(*n)) } } }
            }
        }
    }
}
