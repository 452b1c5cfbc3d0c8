//! What a rule's refinement sees: the file, its tree, the match, the facts, and `report`.

use crate::diagnostic::{Finding, Fix, Label, Span};
use crate::engine::facts::FileFacts;
use crate::engine::facts::module::{Package, ProjectFacts};
use crate::engine::facts::types::TypeEnv;
use crate::engine::rule::Rule;
use crate::source::SourceFile;
use tree_sitter::{Node, Tree};

/// One query match: its captures by name.
pub struct Match<'tree> {
    pub pattern_index: usize,
    captures: Vec<(&'static str, Node<'tree>)>,
}

impl<'tree> Match<'tree> {
    pub fn new(pattern_index: usize, captures: Vec<(&'static str, Node<'tree>)>) -> Match<'tree> {
        Match { pattern_index, captures }
    }

    /// The first node captured under `name`.
    pub fn get(&self, name: &str) -> Option<Node<'tree>> {
        self.captures.iter().find(|(capture, _)| *capture == name).map(|(_, node)| *node)
    }

    /// Every node captured under `name` (quantified captures).
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = Node<'tree>> + 'a {
        self.captures.iter().filter(move |(capture, _)| *capture == name).map(|(_, node)| *node)
    }

    /// The `@target` capture every pattern must have.
    pub fn target(&self) -> Option<Node<'tree>> {
        self.get("target")
    }
}

pub struct RuleContext<'a, 'tree> {
    pub file: &'a SourceFile,
    pub tree: &'tree Tree,
    pub facts: &'a FileFacts,
    /// Types of expressions and locals, as far as declarations show them.
    pub types: &'a TypeEnv<'a>,
    /// The module pre-pass's facts: every package's declarations and function summaries.
    pub project: Option<&'a ProjectFacts>,
    /// This file's package in those facts.
    pub package: Option<&'a Package>,
    pub rule: &'static Rule,
    findings: &'a mut Vec<Finding>,
}

impl<'a, 'tree> RuleContext<'a, 'tree> {
    pub fn new(
        file: &'a SourceFile,
        tree: &'tree Tree,
        facts: &'a FileFacts,
        types: &'a TypeEnv<'a>,
        rule: &'static Rule,
        findings: &'a mut Vec<Finding>,
    ) -> RuleContext<'a, 'tree> {
        RuleContext { file, tree, facts, types, project: None, package: None, rule, findings }
    }

    pub fn source(&self) -> &'a [u8] {
        self.file.text.as_bytes()
    }

    /// The text of a node (empty if it is not valid UTF-8, which cannot happen for our inputs).
    pub fn text(&self, node: Node<'_>) -> &'a str {
        let text: &'a str = &self.file.text;
        text.get(node.byte_range()).unwrap_or("")
    }

    /// Start a finding at `span` with this rule's id and severity. It is recorded when the
    /// returned builder is dropped, so `ctx.report(node, "msg");` is a complete statement.
    pub fn report(&mut self, span: impl Into<Span>, message: impl Into<String>) -> FindingBuilder<'_> {
        let span = span.into();
        let (start, end) = self.file.span_positions(span);
        let finding = Finding {
            rule: self.rule.id.to_string(),
            severity: self.rule.severity,
            path: self.file.display_path.clone(),
            span: Some(span),
            start,
            end,
            labels: Vec::new(),
            message: message.into(),
            help: None,
            fix: None,
            detail: None,
        };
        FindingBuilder { finding: Some(finding), sink: self.findings }
    }
}

pub struct FindingBuilder<'s> {
    finding: Option<Finding>,
    sink: &'s mut Vec<Finding>,
}

impl FindingBuilder<'_> {
    fn finding(&mut self) -> &mut Finding {
        self.finding.as_mut().expect("finding is present until drop")
    }

    pub fn label(mut self, span: impl Into<Span>, message: impl Into<String>) -> Self {
        self.finding().labels.push(Label { span: span.into(), message: message.into() });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.finding().help = Some(help.into());
        self
    }

    pub fn fix(mut self, fix: Fix) -> Self {
        self.finding().fix = Some(fix);
        self
    }

    pub fn severity(mut self, severity: crate::diagnostic::Severity) -> Self {
        self.finding().severity = severity;
        self
    }
}

impl Drop for FindingBuilder<'_> {
    fn drop(&mut self) {
        if let Some(finding) = self.finding.take() {
            self.sink.push(finding);
        }
    }
}
