//! What a rule is: metadata, a query, docs and a refinement function.

use crate::diagnostic::{Applicability, Severity};
use crate::engine::context::{Match, RuleContext};
use crate::engine::facts::GoVersion;

/// Whether a rule can offer a fix (declared, then enforced by the fixture harness).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    Sometimes,
    Always,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Sometimes => "sometimes",
            FixAvailability::Always => "always",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Preview,
    Stable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Preview => "preview",
            Status::Stable => "stable",
        }
    }
}

/// Which runs a rule takes part in. The default set is what `check` runs with no `select`: only
/// rules whose findings at warning or error meet the precision bar (RULES.md) belong there.
/// Opt-in rules run when named by `select`/`extend-select`, like ruff's preview or clippy's
/// pedantic groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSet {
    Default,
    OptIn,
}

impl RuleSet {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleSet::Default => "default",
            RuleSet::OptIn => "opt-in",
        }
    }
}

/// How sure a finding is; sets the order of alerts in GitHub code scanning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    VeryHigh,
    High,
    Medium,
    Low,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::VeryHigh => "very-high",
            Precision::High => "high",
            Precision::Medium => "medium",
            Precision::Low => "low",
        }
    }
}

/// The Go language versions a rule applies to. `below: Some(v)` means "only for code older than v".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoVersionRange {
    pub below: Option<GoVersion>,
}

impl GoVersionRange {
    /// A file whose version is unknown gets the oldest behaviour, so the rule applies.
    pub fn applies_to(self, version: Option<GoVersion>) -> bool {
        match (self.below, version) {
            (Some(bound), Some(version)) => version < bound,
            _ => true,
        }
    }
}

pub type CheckFn = fn(&mut RuleContext<'_, '_>, &Match<'_>);

/// Everything the registry knows about one rule. Built-in checks (syntax errors, suppression
/// hygiene) have no query and no check function.
#[derive(Debug)]
pub struct Rule {
    /// Kebab-case, equal to the folder name under `rules/`. Never changes (see `aliases`).
    pub id: &'static str,
    /// Catalogue entry in RULES.md (`A7`), used only for ordering docs.
    pub family: &'static str,
    /// One line, reused in `rules`, SARIF `shortDescription` and the README.
    pub summary: &'static str,
    pub severity: Severity,
    pub fix: FixAvailability,
    pub applicability: Applicability,
    pub status: Status,
    /// Whether the rule runs without being selected.
    pub set: RuleSet,
    pub precision: Precision,
    pub tags: &'static [&'static str],
    pub go_version: GoVersionRange,
    /// Old ids that still select this rule.
    pub aliases: &'static [&'static str],
    /// golangci-lint linter names whose `//nolint:<name>` also suppresses this rule.
    pub nolint_aliases: &'static [&'static str],
    /// Cheap reject: the rule runs only on files that import at least one of these (empty: all files).
    pub requires_imports: &'static [&'static str],
    pub query: &'static str,
    pub docs: &'static str,
    pub check: Option<CheckFn>,
}

impl Rule {
    pub const fn builtin(id: &'static str, summary: &'static str, severity: Severity, docs: &'static str) -> Rule {
        Rule {
            id,
            family: "built-in",
            summary,
            severity,
            fix: FixAvailability::None,
            applicability: Applicability::Safe,
            status: Status::Stable,
            set: RuleSet::Default,
            precision: Precision::VeryHigh,
            tags: &["correctness"],
            go_version: GoVersionRange { below: None },
            aliases: &[],
            nolint_aliases: &[],
            requires_imports: &[],
            query: "",
            docs,
            check: None,
        }
    }

    pub fn is_builtin(&self) -> bool {
        self.check.is_none()
    }

    /// The first paragraph of the docs' "What it does" section: SARIF `fullDescription`.
    pub fn full_description(&self) -> String {
        crate::engine::docs::section(self.docs, "What it does")
            .and_then(|text| text.split("\n\n").next().map(|p| p.split_whitespace().collect::<Vec<_>>().join(" ")))
            .filter(|text| !text.is_empty())
            .unwrap_or_else(|| self.summary.to_string())
    }

    /// Where the rule's docs live, relative to the repository root.
    pub fn docs_path(&self) -> String {
        if self.is_builtin() { "src/engine/builtin.rs".to_string() } else { format!("rules/{}/docs.md", self.id) }
    }

    pub fn docs_url(&self) -> String {
        format!("{}/blob/main/{}", env!("CARGO_PKG_REPOSITORY"), self.docs_path())
    }
}
