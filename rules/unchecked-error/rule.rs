use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "unchecked-error",
    family: "A3",
    summary: "A call's error result is dropped: the call is a statement of its own or a `go` statement",
    severity: Severity::Error,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::High,
    tags: &["reliability", "error-handling"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    // Not gosec: its G104 is the same check, but `//nolint:gosec` usually silences another
    // gosec finding on the line, and golangci-lint excludes G104 by default anyway.
    nolint_aliases: &["errcheck"],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

/// Calls longer than this are shown as `callee(...)` in the help.
const LONGEST_CALL_SHOWN: usize = 50;

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(statement), Some(call)) = (found.target(), found.get("call")) else { return };
    // `defer func() { f.Close() }()` is a deferred call: unchecked-error-defer decides it.
    if ctx.types.ancestry().deferring_statement(statement).is_some() {
        return;
    }
    let Some(info) = ctx.types.call(call) else { return };
    if !info.returns_error() {
        return;
    }
    let source: &str = &ctx.file.text;
    if syntax::error_conventionally_ignored(ctx.types, &ctx.facts.imports, call, &info, source) {
        return;
    }
    let callee = syntax::callee_display(call, source, &info.callee);
    let in_goroutine = statement.kind() == "go_statement";
    let message = if in_goroutine {
        format!("the error returned by `{callee}` is lost: `go` discards the results of the call")
    } else {
        format!("the error returned by `{callee}` is not checked")
    };
    let help = help(call, info.results.len(), in_goroutine, ctx.facts.is_test_file, source);
    let in_test = ctx.facts.is_test_file;
    let finding = ctx.report(statement, message).help(help);
    // RULES.md A3: tests get the same rule, as information.
    if in_test {
        finding.severity(Severity::Info);
    }
}

/// "Handle it" with the call itself in the `if`, when it is short enough to read.
fn help(call: Node<'_>, results: usize, in_goroutine: bool, in_test: bool, source: &str) -> String {
    let written = syntax::text(call, source);
    let callee = call.child_by_field_name("function").map_or("f", |function| syntax::text(function, source));
    let shown = if written.len() <= LONGEST_CALL_SHOWN && !written.contains('\n') {
        written.to_string()
    } else {
        format!("{callee}(...)")
    };
    let name = callee.rsplit('.').next().unwrap_or(callee);
    let verb =
        if name.starts_with("Fprint") || name.starts_with("Write") { "write".to_string() } else { name.to_lowercase() };
    let blanks = "_, ".repeat(results.saturating_sub(1));
    let check = format!("if {blanks}err := {shown}; err != nil");
    if in_goroutine {
        format!(
            "Handle the error inside the goroutine: `go func() {{ {check} {{ log.Printf(\"{verb}: %v\", err) }} }}()`, \
             or collect it with errgroup.Group.Go"
        )
    } else if in_test {
        format!("Check it: `{check} {{ t.Fatal(err) }}`")
    } else {
        format!("Handle it: `{check} {{ return fmt.Errorf(\"{verb}: %w\", err) }}`")
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;
    use crate::diagnostic::Severity;
    use crate::lint::lint_text;

    const SOURCE: &str = "package p\n\nimport \"os\"\n\nfunc f() {\n\tos.Remove(\"x\")\n}\n";

    fn severities(name: &str) -> Vec<Severity> {
        let findings = lint_text(name, SOURCE, &Settings::only(&["unchecked-error"])).expect("lints");
        findings.iter().filter(|finding| finding.rule == "unchecked-error").map(|finding| finding.severity).collect()
    }

    #[test]
    fn test_files_get_information_not_errors() {
        assert_eq!(severities("store.go"), [Severity::Error]);
        assert_eq!(severities("store_test.go"), [Severity::Info]);
    }
}
