//! The checker report as one HTML page (`gateway import nccis --report FILE.html`), for a
//! data manager: the counts, each rule with its NCCIS priority and what happened to the
//! records that broke it, then the records by YoungPersonsID. Written with maud, which
//! escapes every value; the page has no script and loads nothing.

use std::path::Path;

use maud::{DOCTYPE, Markup, html};

use super::report::{CheckerReport, MAX_HTML_ROWS};

/// What the page says about the file as a whole.
pub struct FileFacts<'a> {
    pub file_name: &'a str,
    pub period_end: Option<String>,
    pub mi_year: Option<i32>,
    pub records: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub completed: bool,
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #bbb;padding:.3em .6em;\
text-align:left;vertical-align:top}th{background:#eee}td.n{text-align:right}\
tr.reject td{background:#fdecea}.note{color:#555}";

pub fn page(facts: &FileFacts<'_>, report: &CheckerReport) -> Markup {
    let rules = report.rule_rows();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "NCCIS checker report: " (facts.file_name) }
                style { (STYLE) }
            }
            body {
                h1 { "NCCIS checker report" }
                p { "File " code { (facts.file_name) }
                    @if let Some(pe) = &facts.period_end { ", period end " (pe) }
                    @if let Some(y) = facts.mi_year { ", MI year " (y) "-" (format!("{:02}", (y + 1) % 100)) }
                    "." }
                @if !facts.completed {
                    p { strong { "Reading stopped early: only the records before the problem were checked." } }
                }
                table {
                    tr { th { "records read" } td.n { (facts.records) } }
                    tr { th { "imported" } td.n { (facts.accepted) } }
                    tr { th { "of which with warnings" } td.n { (report.records_with_warnings) } }
                    tr { th { "not imported" } td.n { (facts.rejected) } }
                }
                @if report.file_fails_at_nccis() {
                    p { strong { "NCCIS would fail this whole file (rule 240 or 904). Fix those records before sending it on." } }
                }
                h2 { "Problems by rule" }
                p.note { "Priority is NCCIS's: 1 = the record is not imported (an optional identifier is dropped instead), 2 = imported with a warning, 3 = informational. GW- rules are the gateway's own checks." }
                @if rules.is_empty() {
                    p { "No problems found." }
                } @else {
                    table {
                        tr { th { "rule" } th { "priority" } th { "element" } th { "what it checks" } th { "not imported" } th { "imported with warning" } }
                        @for r in &rules {
                            tr {
                                td { (r.rule) } td.n { (r.priority) } td { (r.element) } td { (r.description) }
                                td.n { (r.not_imported) } td.n { (r.imported) }
                            }
                        }
                    }
                }
                @if !report.rows.is_empty() {
                    h2 { "Records" }
                    p.note { "By position in the file (0 = the first record) and YoungPersonsID. No other value of a record is shown." }
                    table {
                        tr { th { "record" } th { "YoungPersonsID" } th { "imported" } th { "rule" } th { "priority" } th { "element" } th { "outcome" } th { "problem" } }
                        @for line in &report.rows {
                            @for (i, p) in line.problems.iter().enumerate() {
                                tr class=(if line.imported { "warn" } else { "reject" }) {
                                    @if i == 0 {
                                        td rowspan=(line.problems.len()) { (line.record_index) }
                                        td rowspan=(line.problems.len()) { (line.young_persons_id.as_deref().unwrap_or("(not shown)")) }
                                        td rowspan=(line.problems.len()) { (if line.imported { "yes" } else { "no" }) }
                                    }
                                    td { (p.rule.code()) } td.n { (p.rule.priority()) } td { (p.field) }
                                    td { (p.outcome.as_str()) } td { (p.message) }
                                }
                            }
                        }
                    }
                    @if report.rows_left_out > 0 {
                        p.note { (report.rows_left_out) " more records with problems are in the JSON Lines report (this page lists the first " (MAX_HTML_ROWS) ")." }
                    }
                }
            }
        }
    }
}

/// Write the page to `path`.
pub fn write(path: &Path, facts: &FileFacts<'_>, report: &CheckerReport) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::write(path, page(facts, report).into_string())
        .with_context(|| format!("cannot write {}", path.display()))
}
