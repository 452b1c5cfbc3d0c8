//! Runs the enabled rules over one parsed file.

pub mod builtin;
pub mod context;
pub mod docs;
pub mod facts;
pub mod flat_tree;
pub mod ledger;
pub mod query;
pub mod registry;
pub mod rule;
pub mod service_code;

/// What a rule file needs, in one `use`.
pub mod prelude {
    pub use crate::diagnostic::{Applicability, Edit, Fix, Severity, Span};
    pub use crate::engine::context::{Match, RuleContext};
    pub use crate::engine::facts::GoVersion;
    pub use crate::engine::facts::module::{Package, ProjectFacts};
    pub use crate::engine::facts::types::TypeEnv;
    pub use crate::engine::rule::{FixAvailability, GoVersionRange, Precision, Rule, RuleSet, Status};
    pub use crate::flow;
    pub use crate::syntax;
    pub use tree_sitter::Node;
}

use crate::diagnostic::{Finding, Span};
use crate::engine::context::{Match, RuleContext};
use crate::engine::facts::module::ProjectFacts;
use crate::engine::facts::types::{NoProject, ProjectTypes, TypeEnv};
use crate::engine::facts::{FileFacts, GoVersion, Imports, VersionSource};
use crate::engine::flat_tree::FlatTree;
use crate::engine::query::{CombinedQuery, MatchSource, QueryError};
use crate::engine::rule::Rule;
use crate::parse;
use crate::source::SourceFile;
use crate::syntax;
use crate::syntax::KindName as _;
use std::sync::Arc;
use tree_sitter::{Parser, Tree};

/// At most this many syntax-error findings per file; the message of the last says how many more.
const SYNTAX_ERROR_LIMIT: usize = 5;

/// Files whose syntax tree is deeper than this are reported, not linted. tree-sitter's queries
/// stop matching past a depth of 65,535 (a 16-bit counter), and each `parent()` descends from
/// the root, so walking up costs depth² (without `unsafe` a node cannot reach its root any other
/// way): fuzzing found 1,300 nested blocks (a tree 3,979 deep) taking minutes. Of 26,749 real
/// files (the standard library and 23 projects), the deepest hand-written one is 209 deep (a long
/// `+` chain; one testdata file is 409); only generated ones go deeper (protobuf descriptors
/// and Unicode tables, up to 1,646), and those are skipped unless named.
pub const MAX_TREE_DEPTH: usize = 1_000;

/// What the rule checks of one file may spend, in nodes visited by the tree walks of
/// [`syntax`]. A check looks at the code around its match, often the whole enclosing function,
/// so one huge or deeply nested function with many matches costs their product: fuzzing found
/// files of 200 KB taking 25 s. Of 23,357 real files linted with every rule (the corpora above),
/// the most any spent was 1.21 million (lnd's channel_test.go; median 2,083, p99.9 431,000).
/// Past the budget the walks stop, the check that ran over is discarded, the remaining ones are
/// skipped, and the file is reported as not fully linted.
pub const CHECK_STEP_BUDGET: u64 = 3_000_000;

pub struct Engine {
    /// Enabled rules that have a query, in the order the combined query was built from.
    rules: Vec<&'static Rule>,
    query: CombinedQuery,
    report_syntax_errors: bool,
    /// The module's own declarations and summaries, from the pre-pass.
    project: Option<Arc<ProjectFacts>>,
    /// Where a bench run stops: `None` in every ordinary run.
    bench_stage: Option<BenchStage>,
}

/// How much of the pipeline a `check` run does, for the stage rows of `benches/compare.sh`:
/// each stage adds one part, so the bench shows what each costs over the parse-only pass.
/// Chosen with `GOLINT_GUARD_BENCH_STAGE` (see [`BenchStage::from_env`]) and refused with the
/// cache, so that a partial run's results are never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchStage {
    /// Parse, file facts and the node list; no module pre-pass, no matching.
    ListNoFacts,
    /// The module pre-pass too.
    List,
    /// The patterns matched too, with no rule check run on a match.
    Match,
    /// Every rule check, without the module pre-pass.
    RulesNoFacts,
}

impl BenchStage {
    pub const ENV: &str = "GOLINT_GUARD_BENCH_STAGE";
    const NAMES: [(&str, BenchStage); 4] = [
        ("list-no-facts", BenchStage::ListNoFacts),
        ("list", BenchStage::List),
        ("match", BenchStage::Match),
        ("rules-no-facts", BenchStage::RulesNoFacts),
    ];

    /// The stage `GOLINT_GUARD_BENCH_STAGE` names; `Ok(None)` when it is unset or empty.
    pub fn from_env() -> Result<Option<BenchStage>, String> {
        match std::env::var(Self::ENV) {
            Err(std::env::VarError::NotPresent) => Ok(None),
            Ok(name) if name.is_empty() => Ok(None),
            Ok(name) => {
                Self::NAMES.iter().find(|(known, _)| *known == name).map(|&(_, stage)| Some(stage)).ok_or_else(|| {
                    let known: Vec<&str> = Self::NAMES.iter().map(|(known, _)| *known).collect();
                    format!("{}={name:?} is not a bench stage; one of: {}", Self::ENV, known.join(", "))
                })
            }
            Err(err) => Err(format!("{}: {err}", Self::ENV)),
        }
    }

    pub fn name(self) -> &'static str {
        Self::NAMES.iter().find(|(_, stage)| *stage == self).map_or("", |(name, _)| name)
    }

    /// Whether the module pre-pass runs at this stage.
    pub fn builds_facts(self) -> bool {
        matches!(self, BenchStage::List | BenchStage::Match)
    }
}

/// Per-thread scratch space: one parser, reused for every file.
pub struct Worker {
    pub parser: Parser,
    /// Set by the language server, which lints the same buffer again on every keystroke:
    /// [`Engine::lint`] then parses from `tree` (the buffer's last tree, edited to its new
    /// text with `Tree::edit`, if any) and leaves the new tree there. `check` leaves it off.
    pub keep_tree: bool,
    pub tree: Option<Tree>,
}

impl Default for Worker {
    fn default() -> Worker {
        Worker { parser: parse::new_parser(), keep_tree: false, tree: None }
    }
}

/// The module-level facts a file inherits.
#[derive(Debug, Clone, Copy, Default)]
pub struct ModuleFacts {
    pub go_version: Option<GoVersion>,
    pub source: VersionSource,
    /// The import path of the file's package (module path + directory), when in a module.
    pub package_path: Option<&'static str>,
}

pub struct FileLint {
    pub tree: Option<Tree>,
    pub facts: FileFacts,
    pub findings: Vec<Finding>,
}

impl FileLint {
    /// A file nested past [`MAX_TREE_DEPTH`]: named, not linted.
    fn too_deep(file: &SourceFile, how_deep: &str) -> FileLint {
        let finding = builtin::not_linted(
            &file.display_path,
            &format!("{how_deep}, past the limit of {MAX_TREE_DEPTH}"),
            "split the deeply nested code into functions, or exclude the file in golint-guard.toml",
        );
        FileLint { tree: None, facts: FileFacts::default(), findings: vec![finding] }
    }
}

impl Engine {
    /// Compile the one combined query for `enabled` (built-in ids in the list switch on the
    /// engine's own checks). Fails on a rule whose query is invalid. The native compile takes
    /// under a millisecond, so every run compiles, warm ones too.
    pub fn new(enabled: &[&'static Rule]) -> Result<Engine, QueryError> {
        let rules: Vec<&'static Rule> = enabled.iter().copied().filter(|rule| rule.check.is_some()).collect();
        let report_syntax_errors = enabled.iter().any(|rule| rule.id == builtin::SYNTAX_ERROR.id);
        let query = CombinedQuery::build(&parse::go_language(), &rules)?;
        Ok(Engine { rules, query, report_syntax_errors, project: None, bench_stage: None })
    }

    /// Give the rules the module pre-pass's facts (declarations, summaries).
    pub fn set_project(&mut self, project: Arc<ProjectFacts>) {
        self.project = Some(project);
    }

    /// Stop at `stage` in every file (benches only).
    pub fn set_bench_stage(&mut self, stage: Option<BenchStage>) {
        self.bench_stage = stage;
    }

    pub fn bench_stage(&self) -> Option<BenchStage> {
        self.bench_stage
    }

    pub fn project(&self) -> Option<&Arc<ProjectFacts>> {
        self.project.as_ref()
    }

    pub fn rules(&self) -> &[&'static Rule] {
        &self.rules
    }

    /// Parse and lint one file.
    pub fn lint(&self, worker: &mut Worker, file: &SourceFile, module: ModuleFacts) -> FileLint {
        let previous = worker.tree.take();
        // Bracket nesting bounds the tree's depth from below and costs no parse, which takes
        // seconds at tens of thousands of levels.
        let nesting = syntax::bracket_depth(&file.text);
        if nesting > MAX_TREE_DEPTH {
            return FileLint::too_deep(file, &format!("brackets nest {nesting} levels deep"));
        }
        let tree = match &previous {
            Some(previous) if worker.keep_tree => parse::reparse(&mut worker.parser, file, previous),
            _ => parse::parse(&mut worker.parser, file),
        };
        let Some(tree) = tree else {
            return FileLint { tree: None, facts: FileFacts::default(), findings: Vec::new() };
        };
        if worker.keep_tree {
            // A copy shares the tree's nodes: no cost.
            worker.tree = Some(tree.clone());
        }
        if syntax::nests_deeper_than(tree.root_node(), MAX_TREE_DEPTH) {
            let depth = syntax::max_depth(tree.root_node());
            return FileLint::too_deep(file, &format!("the syntax tree nests {depth} levels deep"));
        }
        let facts = file_facts(&tree, file, module);
        let findings = self.lint_tree(file, &tree, &facts);
        FileLint { tree: Some(tree), facts, findings }
    }

    pub fn lint_tree(&self, file: &SourceFile, tree: &Tree, facts: &FileFacts) -> Vec<Finding> {
        let mut findings = Vec::new();
        let has_errors = tree.root_node().has_error();
        if has_errors && self.report_syntax_errors {
            report_syntax_errors(file, tree, &mut findings);
        }
        if self.report_syntax_errors && !has_errors && !has_package_clause(tree) {
            // tree-sitter accepts an empty file (or one of comments only); Go does not.
            findings.push(syntax_error_finding(
                file,
                Span::new(0, 0),
                "syntax error: no package clause (a Go file starts with `package name`)".into(),
                "Go does not compile a file without a package clause",
            ));
        }
        let applies: Vec<bool> = self.rules.iter().map(|rule| rule_applies(rule, facts)).collect();
        if !applies.iter().any(|&applies| applies) {
            return findings;
        }
        let source = file.text.as_bytes();
        let project = self.project.as_deref();
        let package = project.and_then(|project| project.package_of_file(&file.path));
        let package_path = package.map(|package| package.type_path()).or(facts.package_path);
        let project_types: &dyn ProjectTypes = match project {
            Some(project) => project,
            None => &NoProject,
        };
        // A tree too large to list is matched and walked with cursors (the same results): the
        // list costs 40 bytes a node while the file is checked, and memory follows the work in
        // flight.
        let flat = if FlatTree::node_count(tree) <= MAX_LISTED_NODES {
            let storage = FLAT_NODES.with(|storage| std::mem::take(&mut *storage.borrow_mut()));
            let Some(flat) = FlatTree::new(tree, storage) else {
                findings.push(builtin::partly_linted(
                    &file.display_path,
                    "no memory to list the syntax tree's nodes; no rule checked this file",
                    "split the file into smaller ones",
                ));
                return findings;
            };
            Some(flat)
        } else {
            None
        };
        let shared = flat.as_ref().map(FlatTree::share);
        let types = TypeEnv::new(&file.text, tree.root_node(), &facts.imports, package_path, project_types);
        let error_regions = if has_errors { Some(parse::ErrorRegions::of(tree)) } else { None };
        let budget = syntax::WalkBudget::start(CHECK_STEP_BUDGET);
        let mut unchecked = 0usize;
        let query = &self.query;
        let nodes = match &flat {
            Some(flat) => MatchSource::Listed(flat),
            None => MatchSource::Walked(tree.root_node()),
        };
        let matches_patterns = !matches!(self.bench_stage, Some(BenchStage::ListNoFacts | BenchStage::List));
        let checks_matches = self.bench_stage != Some(BenchStage::Match);
        if matches_patterns {
            query.for_each_match(nodes, source, &applies, &mut |pattern, captures| {
                let captures =
                    captures.iter().map(|&(capture, node)| (query.capture_names[capture as usize], node)).collect();
                let found = Match::new(pattern, captures);
                // Code inside or around a parse error is not what it seems; stay silent there.
                if let Some(regions) = &error_regions
                    && found.target().is_some_and(|target| regions.near(target))
                {
                    return;
                }
                let rule = self.rules[query.pattern_rule[pattern]];
                let Some(check) = rule.check.filter(|_| checks_matches) else { return };
                if budget.spent() {
                    unchecked += 1;
                    return;
                }
                let found_before = findings.len();
                let mut context = RuleContext::new(file, tree, facts, &types, rule, &mut findings);
                context.project = project;
                context.package = package;
                check(&mut context, &found);
                // Its walks were cut short: what it concluded is not to be trusted.
                if budget.spent() {
                    findings.truncate(found_before);
                    unchecked += 1;
                }
            });
        }
        drop(budget);
        drop(shared);
        if let Some(flat) = flat {
            let storage = flat.into_storage();
            // Only a list of ordinary size is kept for the next file.
            if storage.capacity() <= KEPT_LISTED_NODES {
                FLAT_NODES.with(|kept| *kept.borrow_mut() = storage);
            }
        }
        if unchecked > 0 {
            findings.push(builtin::partly_linted(
                &file.display_path,
                &format!(
                    "rule checks stopped after visiting {CHECK_STEP_BUDGET} syntax nodes; {unchecked} places were not checked"
                ),
                "split the largest or most deeply nested function into smaller ones",
            ));
        }
        findings
    }
}

/// The largest tree whose nodes are listed: 262,144 nodes (10 MiB of list). Larger trees are
/// matched with cursors, which costs about three times as much per node: prometheus's
/// tsdb/db_test.go (138,259 nodes) took 0.33 G more instructions walked than listed. The one
/// larger file in the standard library, p256_table.go (264,216 nodes, a table of constants), stays
/// walked: listing it raised the standard library's peak memory by 12 MiB.
pub const MAX_LISTED_NODES: usize = 1 << 18;

/// The largest list whose allocation a thread keeps for its next file: 32,768 nodes (1.25 MiB).
const KEPT_LISTED_NODES: usize = 1 << 15;

thread_local! {
    /// The node list's allocation, reused from file to file on each thread.
    static FLAT_NODES: std::cell::RefCell<Vec<flat_tree::FlatNode>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn rule_applies(rule: &Rule, facts: &FileFacts) -> bool {
    let imports_ok =
        rule.requires_imports.is_empty() || rule.requires_imports.iter().any(|path| facts.imports.contains(path));
    imports_ok && rule.go_version.applies_to(facts.go_version)
}

pub fn file_facts(tree: &Tree, file: &SourceFile, module: ModuleFacts) -> FileFacts {
    let root = tree.root_node();
    let source = file.text.as_bytes();
    let package_name = {
        let mut cursor = root.walk();
        root.named_children(&mut cursor)
            .find(|node| node.kind_name() == "package_clause")
            .and_then(|clause| clause.named_child(0))
            .and_then(|name| name.utf8_text(source).ok())
            .unwrap_or("")
            .to_string()
    };
    let (go_version, go_version_source) = match facts::version::build_constraint_version(&file.text) {
        Some(version) => (Some(version), VersionSource::BuildConstraint),
        None => (module.go_version, module.source),
    };
    let is_test_file =
        file.path.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.ends_with("_test.go"));
    FileFacts {
        package_name,
        imports: Imports::from_tree(root, source),
        go_version,
        go_version_source,
        is_test_file,
        package_path: module.package_path,
    }
}

fn has_package_clause(tree: &Tree) -> bool {
    let root = tree.root_node();
    let mut cursor = root.walk();
    root.children(&mut cursor).any(|child| child.kind_name() == "package_clause")
}

fn report_syntax_errors(file: &SourceFile, tree: &Tree, findings: &mut Vec<Finding>) {
    let (errors, total) = parse::syntax_errors(tree, &file.text, SYNTAX_ERROR_LIMIT);
    let shown = errors.len();
    for (index, error) in errors.into_iter().enumerate() {
        let mut message = error.message;
        if index + 1 == shown && total > shown {
            message.push_str(&format!(" (and {} more syntax errors in this file)", total - shown));
        }
        findings.push(syntax_error_finding(
            file,
            Span::new(error.start, error.end),
            message,
            "rules skip the code around this error and the file is never autofixed",
        ));
    }
}

fn syntax_error_finding(file: &SourceFile, span: Span, message: String, help: &str) -> Finding {
    let (start, end) = file.span_positions(span);
    Finding {
        rule: builtin::SYNTAX_ERROR.id.to_string(),
        severity: builtin::SYNTAX_ERROR.severity,
        path: file.display_path.clone(),
        span: Some(span),
        start,
        end,
        labels: Vec::new(),
        message,
        help: Some(help.into()),
        fix: None,
        detail: None,
    }
}
