use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "exit-outside-main",
    family: "E8",
    summary: "os.Exit or log.Fatal outside package main, or inside a goroutine, skips deferred cleanup",
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
    tags: &["reliability"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["revive", "deep-exit"],
    requires_imports: &["os", "log"],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const HELP: &str = "Return the error to the caller and let `main` decide to exit";
const HELP_GOROUTINE: &str = "Send the error back to the goroutine that started this one (a channel or errgroup) and exit from there";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(call), Some(operand), Some(function)) = (found.target(), found.get("operand"), found.get("function"))
    else {
        return;
    };
    let name = ctx.text(function);
    let Some(callee) = exiting_callee(ctx, call, operand, name) else { return };
    // Test code exits a test binary, not a service: `TestMain` is its `main`, and helper
    // processes (`GO_WANT_HELPER_PROCESS`) are programs of their own.
    if ctx.facts.is_test_file || is_test_support(ctx) {
        return;
    }
    let ancestry = ctx.types.ancestry();
    if in_chosen_exit_mode(call, &ctx.file.text) {
        return;
    }
    if in_goroutine(ancestry, call) {
        // A goroutine that waits for SIGINT/SIGTERM and then exits stands in for the signal's
        // default action, which does not run deferred calls either.
        if !handles_signal(ctx, call) {
            ctx.report(
                call,
                format!("{callee} inside a goroutine ends the whole process: the other goroutines' deferred cleanup never runs"),
            )
            .help(HELP_GOROUTINE);
        }
        return;
    }
    if ctx.facts.is_main_package() || is_command_code(ctx) {
        return;
    }
    let declaration = ancestry.top_level_declaration(call);
    if declaration.is_some_and(|declaration| is_exit_by_design(ctx, declaration)) {
        return;
    }
    let package = &ctx.facts.package_name;
    ctx.report(
        call,
        format!("{callee} in package `{package}`, which is not main: it ends the process without running deferred calls, so the caller cannot clean up or handle the error"),
    )
    .help(HELP);
}

/// `os.Exit`, `log.Fatal*` or `(*log.Logger).Fatal*` as the reader should see it, or `None` when
/// the call is something else of the same name.
fn exiting_callee(ctx: &RuleContext<'_, '_>, call: Node<'_>, operand: Node<'_>, name: &str) -> Option<String> {
    let imports = &ctx.facts.imports;
    let operand_text = ctx.text(operand);
    if operand.kind_name() == "identifier" && ctx.types.call(call).is_some_and(|info| info.from_stdlib) {
        if name == "Exit" && imports.names(operand_text, "os") {
            return Some(format!("{operand_text}.Exit"));
        }
        if name != "Exit" && imports.names(operand_text, "log") {
            return Some(format!("{operand_text}.{name}"));
        }
    }
    if name == "Exit" {
        return None;
    }
    let info = ctx.types.call(call)?;
    let is_logger = info.receiver.as_ref().is_some_and(|(path, type_name)| path == "log" && type_name == "Logger");
    is_logger.then(|| format!("{operand_text}.{name} (a *log.Logger)"))
}

/// True when `call` runs in a goroutine of its own: some function literal around it is started
/// by a `go` statement (`go func() { ... }()`), and every literal in between is called where it
/// is written or deferred (a stored callback may run anywhere).
fn in_goroutine<'tree>(ancestry: &syntax::Ancestry<'tree>, call: Node<'tree>) -> bool {
    for function in ancestry.enclosing_functions(call) {
        if function.kind_name() != "func_literal" {
            return false;
        }
        let Some(parent) = function.parent_node().filter(|parent| parent.kind_name() == "call_expression") else {
            return false;
        };
        if parent.field_child("function") != Some(function) {
            return false;
        }
        match parent.parent_node().map(|statement| statement.kind_name()) {
            Some("go_statement") => return true,
            Some("defer_statement") | Some("expression_statement") => {}
            _ => return false,
        }
    }
    false
}

/// Code of a command rather than a library: a package under a `cmd/` directory, one named for
/// a command (`cmd`, `cli`, `etcdmain`: what `main` calls to run the program), a file named
/// for a main (`main.go`, `child_main.go`), or a file built on a CLI framework. Exiting with a status is a command's job.
fn is_command_code(ctx: &RuleContext<'_, '_>) -> bool {
    let name = ctx.facts.package_name.as_str();
    let command_name = matches!(name, "cmd" | "cmds" | "command" | "commands" | "cli" | "cliutil" | "cobrautil")
        || (name.ends_with("main") && name != "domain");
    let directories: Vec<&str> = match ctx.facts.package_path {
        Some(import_path) => import_path.split('/').collect(),
        None => ctx.file.path.parent().into_iter().flat_map(|dir| dir.components()).filter_map(|part| part.as_os_str().to_str()).collect(),
    };
    let under_cmd = directories.contains(&"cmd");
    // `main.go`, `cgi_main.go`: a file that holds a program's (or a helper process's) main code.
    let stem = ctx.file.path.file_stem().and_then(|stem| stem.to_str()).unwrap_or("");
    let main_file = stem == "main" || stem.ends_with("_main");
    let cli_framework = ctx.facts.imports.imports.iter().any(|import| {
        CLI_FRAMEWORKS.iter().any(|framework| import.path == *framework || import.path.starts_with(&format!("{framework}/")))
    });
    command_name || under_cmd || main_file || cli_framework
}

/// Import paths of CLI frameworks (with their `/vN` forms as sub-paths).
const CLI_FRAMEWORKS: &[&str] = &[
    "github.com/spf13/cobra",
    "github.com/urfave/cli",
    "gopkg.in/urfave/cli.v1",
    "gopkg.in/urfave/cli.v2",
    "github.com/alecthomas/kingpin",
    "gopkg.in/alecthomas/kingpin.v2",
    "github.com/alecthomas/kong",
    "github.com/peterbourgon/ff",
    "github.com/mitchellh/cli",
];

/// Packages and files that exist to run tests (`testutil`, `e2e`, `testing` itself): their exits
/// end a test binary, as `TestMain` does.
fn is_test_support(ctx: &RuleContext<'_, '_>) -> bool {
    let name = ctx.facts.package_name.as_str();
    let package_name = name.starts_with("test")
        || name.ends_with("test")
        || name.ends_with("testing")
        || name.ends_with("testutil")
        || name.ends_with("e2e")
        || name.contains("mock")
        || name.contains("fake");
    let directories: Vec<&str> = match ctx.facts.package_path {
        Some(import_path) => import_path.split('/').collect(),
        None => ctx.file.path.parent().into_iter().flat_map(|dir| dir.components()).filter_map(|part| part.as_os_str().to_str()).collect(),
    };
    let support_directory = directories.into_iter().any(|dir| {
        matches!(dir, "test" | "tests" | "testing" | "testutil" | "testutils" | "testhelper" | "testhelpers" | "e2e")
            || (dir.ends_with("test") && dir != "latest")
    });
    let stem = ctx.file.path.file_stem().and_then(|stem| stem.to_str()).unwrap_or("").to_ascii_lowercase();
    let double_file = stem.contains("mock") || stem.contains("fake");
    package_name || support_directory || double_file
}

/// Declarations whose job is to end the program: `TestMain` and helpers given its `*testing.M`,
/// `Example` functions (documentation written as a `main`), and functions named for exiting
/// (`Fatalf`, `ExitWithError`, `die`): their callers chose to exit.
fn is_exit_by_design(ctx: &RuleContext<'_, '_>, declaration: Node<'_>) -> bool {
    let source: &str = &ctx.file.text;
    let Some(name) = syntax::function_name(declaration, source) else { return false };
    if name == "TestMain" || (ctx.facts.is_test_file && name.starts_with("Example")) {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    if lower.contains("fatal") || lower.contains("exit") || lower.starts_with("die") {
        return true;
    }
    syntax::parameters_of(declaration).iter().any(|parameter| {
        let text = syntax::text(parameter.type_node, source);
        ctx.facts.imports.path_of(text.trim_start_matches('*').split('.').next().unwrap_or("")) == Some("testing")
            && text.ends_with(".M")
    })
}

/// `case ExitOnError:`: the caller picked exiting as the way errors are handled (the `flag`
/// package's modes).
fn in_chosen_exit_mode(call: Node<'_>, source: &str) -> bool {
    syntax::ancestors_in_function(call).filter(|node| node.kind_name() == "expression_case").any(|case| {
        case.field_child("value").is_some_and(|value| syntax::text(value, source).contains("Exit"))
    })
}

/// The function that starts the goroutine (or the goroutine itself) subscribes to OS signals.
fn handles_signal(ctx: &RuleContext<'_, '_>, call: Node<'_>) -> bool {
    let Some(declaration) = ctx.types.ancestry().top_level_declaration(call) else { return false };
    syntax::descendants(declaration).any(|node| {
        node.kind_name() == "call_expression"
            && syntax::call_name(node, &ctx.file.text).is_some_and(|(package, function)| {
                package.is_some_and(|package| ctx.facts.imports.names(package, "os/signal"))
                    && matches!(function, "Notify" | "NotifyContext")
            })
    })
}
