//! The checker report of `gateway import nccis`, in NCCIS's terms: every problem by its
//! rule (NCCIS number or the gateway's own `GW-` code) and priority, with counts, and per
//! record the YoungPersonsID, element and rule. Three forms: JSON Lines (one line per
//! record with a problem, imported or not), a terminal table, and HTML (`html.rs`).
//!
//! Nothing here holds a value of the record but its YoungPersonsID (the CCIS's own key,
//! needed to find the record, and only when it is plain digits): the problems come from
//! the adapters, whose messages never carry input values.

use std::collections::BTreeMap;
use std::io::Write;

use gateway_adapters::nccis::RecordNotes;
use gateway_adapters::{CheckerRule, RecordReject, Violation};
use serde::Serialize;

/// Record lines kept for the HTML report; the JSON Lines report has every line.
pub const MAX_HTML_ROWS: usize = 5_000;

/// One line of the JSON Lines report: a record with at least one problem.
#[derive(Debug, Clone, Serialize)]
pub struct RecordLine {
    pub record_index: u64,
    pub byte_offset: u64,
    pub young_persons_id: Option<String>,
    /// Whether the record went into the store (only warnings).
    pub imported: bool,
    /// Every problem: rule, priority, element, outcome (`reject`, `warn`, or `drop` = the
    /// value was left out of the stored record), message.
    pub problems: Vec<Violation>,
}

impl RecordLine {
    /// A rejected record, with the warnings it also had.
    pub fn rejected(reject: &RecordReject, notes: &RecordNotes) -> RecordLine {
        RecordLine {
            record_index: reject.record_index,
            byte_offset: reject.byte_offset,
            young_persons_id: reject.young_persons_id.clone(),
            imported: false,
            problems: reject
                .violations()
                .chain(notes.warnings.iter().cloned())
                .collect(),
        }
    }

    /// An imported record with warnings; `None` without any.
    pub fn warned(notes: &RecordNotes) -> Option<RecordLine> {
        (!notes.warnings.is_empty()).then(|| RecordLine {
            record_index: notes.record_index,
            byte_offset: notes.byte_offset,
            young_persons_id: notes.young_persons_id.clone(),
            imported: true,
            problems: notes.warnings.clone(),
        })
    }
}

/// Records with each rule, by what happened to them.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct RuleTally {
    pub not_imported: u64,
    pub imported: u64,
}

/// One row of the per-rule summary.
#[derive(Debug, Clone, Serialize)]
pub struct RuleRow {
    pub rule: &'static str,
    pub priority: u8,
    pub element: &'static str,
    pub description: &'static str,
    /// Records not imported that broke the rule.
    pub not_imported: u64,
    /// Records imported with the rule as a warning.
    pub imported: u64,
}

/// Everything the checker found in one file.
#[derive(Debug, Default)]
pub struct CheckerReport {
    pub by_rule: BTreeMap<CheckerRule, RuleTally>,
    /// The element each rule was last reported on (a rule's own element for NCCIS rules).
    elements: BTreeMap<CheckerRule, &'static str>,
    pub records_with_warnings: u64,
    /// The first [`MAX_HTML_ROWS`] lines, for the HTML report.
    pub rows: Vec<RecordLine>,
    pub rows_left_out: u64,
}

impl CheckerReport {
    /// Count a line and write it to the JSON Lines report.
    pub fn add(&mut self, line: RecordLine, jsonl: &mut dyn Write) -> anyhow::Result<()> {
        serde_json::to_writer(&mut *jsonl, &line)?;
        jsonl.write_all(b"\n")?;
        if line.imported {
            self.records_with_warnings += 1;
        }
        let mut rules: Vec<(CheckerRule, &'static str)> =
            line.problems.iter().map(|p| (p.rule, p.field)).collect();
        rules.sort();
        rules.dedup_by_key(|(rule, _)| *rule);
        for (rule, field) in rules {
            let tally = self.by_rule.entry(rule).or_default();
            if line.imported {
                tally.imported += 1;
            } else {
                tally.not_imported += 1;
            }
            self.elements.entry(rule).or_insert(field);
        }
        if self.rows.len() < MAX_HTML_ROWS {
            self.rows.push(line);
        } else {
            self.rows_left_out += 1;
        }
        Ok(())
    }

    /// The per-rule summary, by priority then rule.
    pub fn rule_rows(&self) -> Vec<RuleRow> {
        let mut rows: Vec<RuleRow> = self
            .by_rule
            .iter()
            .map(|(rule, tally)| RuleRow {
                rule: rule.code(),
                priority: rule.priority(),
                element: rule
                    .nccis()
                    .map(|r| r.field)
                    .or_else(|| self.elements.get(rule).copied())
                    .unwrap_or(""),
                description: rule.description(),
                not_imported: tally.not_imported,
                imported: tally.imported,
            })
            .collect();
        rows.sort_by_key(|r| (r.priority, rule_order(r.rule)));
        rows
    }

    /// Whether NCCIS would fail the whole file (240: a record without Activities).
    pub fn file_fails_at_nccis(&self) -> bool {
        self.by_rule.contains_key(&CheckerRule::Nccis(240))
            || self.by_rule.contains_key(&CheckerRule::Nccis(904))
    }
}

/// NCCIS rules in number order, then the gateway's own.
fn rule_order(code: &str) -> (u8, u32, &str) {
    match code.strip_prefix("NCCIS-").and_then(|n| n.parse().ok()) {
        Some(n) => (0, n, code),
        None => (1, 0, code),
    }
}

/// The terminal table.
pub fn print_rules(report: &CheckerReport, to: &mut dyn Write) -> std::io::Result<()> {
    let rows = report.rule_rows();
    if rows.is_empty() {
        return writeln!(to, "  checker: no problems found");
    }
    writeln!(
        to,
        "  {:<10} {:>2} {:>12} {:>10}  {:<24} what it checks",
        "rule", "P", "not imported", "imported", "element"
    )?;
    for r in rows {
        writeln!(
            to,
            "  {:<10} {:>2} {:>12} {:>10}  {:<24} {}",
            r.rule, r.priority, r.not_imported, r.imported, r.element, r.description
        )?;
    }
    writeln!(
        to,
        "  P = NCCIS priority: 1 = the record is not imported (an optional identifier is \
         dropped instead), 2 = imported with a warning, 3 = informational"
    )?;
    if report.file_fails_at_nccis() {
        writeln!(
            to,
            "  NCCIS would fail this whole file (rule 240 or 904): fix those records before \
             sending it on"
        )?;
    }
    Ok(())
}
