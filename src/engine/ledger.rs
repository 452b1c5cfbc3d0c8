//! The precision ledger: judged samples of each rule's findings on code it was not tuned on
//! (rules/<id>/ledger.tsv, drawn by tests/ledger/sample.py). The precision a rule declares, shown
//! by `rules` and in SARIF, must be the one its ledger gives; tests/ledger.rs holds them together.

use crate::engine::rule::Precision;

/// The judged findings of one rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LedgerCounts {
    pub read: usize,
    pub false_alarms: usize,
    pub debatable: usize,
}

/// One judged row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub repo: String,
    pub commit: String,
    pub path: String,
    pub line: usize,
    pub rule: String,
    pub severity: String,
    pub verdict: String,
    pub reason: String,
}

pub const COLUMNS: [&str; 8] = ["repo", "commit", "path", "line", "rule", "severity", "verdict", "reason"];

/// Parse a ledger; `Err` names the first bad line (1-based).
pub fn parse(text: &str) -> Result<Vec<LedgerRow>, String> {
    let mut rows = Vec::new();
    let mut header_seen = false;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        if !header_seen {
            if cells != COLUMNS {
                return Err(format!("line {number}: the header must be {}", COLUMNS.join(" ")));
            }
            header_seen = true;
            continue;
        }
        let [repo, commit, path, line_text, rule, severity, verdict, reason] = cells[..] else {
            return Err(format!("line {number}: expected {} tab-separated cells", COLUMNS.len()));
        };
        let line = line_text.parse().map_err(|_| format!("line {number}: `{line_text}` is not a line number"))?;
        if !matches!(verdict, "true" | "false" | "debatable") {
            return Err(format!("line {number}: verdict `{verdict}` is not true, false or debatable"));
        }
        if !matches!(severity, "error" | "warning" | "info") {
            return Err(format!("line {number}: severity `{severity}` is not error, warning or info"));
        }
        if reason.trim().is_empty() || repo.is_empty() || commit.is_empty() || path.is_empty() {
            return Err(format!("line {number}: every row needs a repo, commit, path and reason"));
        }
        rows.push(LedgerRow {
            repo: repo.to_string(),
            commit: commit.to_string(),
            path: path.to_string(),
            line,
            rule: rule.to_string(),
            severity: severity.to_string(),
            verdict: verdict.to_string(),
            reason: reason.to_string(),
        });
    }
    Ok(rows)
}

/// The counts the precision bar is about: findings at warning or error. A rule whose ledger has
/// only info rows is counted on those.
pub fn counts(rows: &[LedgerRow]) -> LedgerCounts {
    let failing: Vec<&LedgerRow> = rows.iter().filter(|row| row.severity != "info").collect();
    let counted: Vec<&LedgerRow> = if failing.is_empty() { rows.iter().collect() } else { failing };
    LedgerCounts {
        read: counted.len(),
        false_alarms: counted.iter().filter(|row| row.verdict == "false").count(),
        debatable: counted.iter().filter(|row| row.verdict == "debatable").count(),
    }
}

impl LedgerCounts {
    /// The bar for default rules at warning or error (RULES.md): at most 1 in 10 false and at
    /// most 1 in 4 false-or-debatable.
    pub fn meets_bar(self) -> bool {
        self.read > 0 && self.false_alarms * 10 <= self.read && (self.false_alarms + self.debatable) * 4 <= self.read
    }

    /// SARIF's precision levels, from the judged sample: `very-high` with no false alarm and at
    /// most 1 in 10 debatable, `high` within the bar, `medium` within twice the bar, else `low`.
    /// `None` when nothing was judged.
    pub fn precision(self) -> Option<Precision> {
        if self.read == 0 {
            return None;
        }
        let noisy = self.false_alarms + self.debatable;
        Some(if self.false_alarms == 0 && noisy * 10 <= self.read {
            Precision::VeryHigh
        } else if self.meets_bar() {
            Precision::High
        } else if self.false_alarms * 4 <= self.read && noisy * 2 <= self.read {
            Precision::Medium
        } else {
            Precision::Low
        })
    }

    /// `20 read: 1 false, 3 debatable`, or `not measured`.
    pub fn describe(self) -> String {
        if self.read == 0 {
            "not measured".to_string()
        } else {
            format!("{} read: {} false, {} debatable", self.read, self.false_alarms, self.debatable)
        }
    }
}

/// The ledger of a rule, parsed; empty when the rule has none.
pub fn rows_of(id: &str) -> Result<Vec<LedgerRow>, String> {
    match crate::engine::registry::LEDGERS.iter().find(|(rule, _)| *rule == id) {
        Some((_, text)) => parse(text),
        None => Ok(Vec::new()),
    }
}

/// The judged counts of a rule (zero when it has no ledger or the ledger is malformed; the
/// ledger test reports malformed ledgers).
pub fn counts_of(id: &str) -> LedgerCounts {
    rows_of(id).map(|rows| counts(&rows)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts_for(read: usize, false_alarms: usize, debatable: usize) -> LedgerCounts {
        LedgerCounts { read, false_alarms, debatable }
    }

    #[test]
    fn precision_levels_follow_the_bar() {
        assert_eq!(counts_for(20, 0, 2).precision(), Some(Precision::VeryHigh));
        assert_eq!(counts_for(20, 0, 3).precision(), Some(Precision::High));
        assert_eq!(counts_for(20, 2, 3).precision(), Some(Precision::High));
        assert!(counts_for(20, 2, 3).meets_bar());
        assert!(!counts_for(20, 3, 0).meets_bar(), "more than 1 in 10 false");
        assert!(!counts_for(20, 0, 6).meets_bar(), "more than 1 in 4 false or debatable");
        assert_eq!(counts_for(20, 3, 2).precision(), Some(Precision::Medium));
        assert_eq!(counts_for(20, 10, 7).precision(), Some(Precision::Low));
        assert_eq!(counts_for(0, 0, 0).precision(), None);
    }

    #[test]
    fn parse_checks_every_cell() {
        let header = COLUMNS.join("\t");
        let good = format!("# comment\n{header}\netcd\tc34dc7e\ta/b.go\t12\tx\twarning\tfalse\tit stops\n");
        let rows = parse(&good).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(counts(&rows), counts_for(1, 1, 0));
        for bad in ["\t12\tx\twarning\tmaybe\twhy", "\tl2\tx\twarning\ttrue\twhy", "\t12\tx\twarning\ttrue\t "] {
            let text = format!("{header}\netcd\tc34dc7e\ta/b.go{bad}\n");
            assert!(parse(&text).is_err(), "{bad:?}");
        }
        assert!(parse("repo\tcommit\n").is_err());
    }

    #[test]
    fn info_rows_do_not_count_when_failing_rows_exist() {
        let header = COLUMNS.join("\t");
        let text = format!("{header}\nr\tc\tp.go\t1\tx\tinfo\tfalse\ttest file\nr\tc\tp.go\t2\tx\terror\ttrue\treal\n");
        assert_eq!(counts(&parse(&text).unwrap()), counts_for(1, 0, 0));
    }
}
