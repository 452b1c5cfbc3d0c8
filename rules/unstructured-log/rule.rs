use crate::syntax::{FieldChild as _, KindName as _};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "unstructured-log",
    family: "E12",
    summary: "Printf-style logging in a module that logs with slog, zap, zerolog or logrus, or key=value pairs formatted by hand",
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::High,
    tags: &["observability"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["forbidigo"],
    requires_imports: &["log", "fmt"],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

/// Structured loggers (import path prefixes) whose use makes a module's own `log.Printf` lines
/// the odd ones out.
const STRUCTURED_LOGGERS: &[&str] =
    &["log/slog", "go.uber.org/zap", "github.com/rs/zerolog", "github.com/sirupsen/logrus"];

const HELP_MODULE: &str = "Log through the module's structured logger, with the values as fields: `logger.Info(\"user loaded\", \"id\", id)`";
const HELP_PAIRS: &str = "Use a structured logger and pass the pairs as fields: `slog.Info(\"msg\", \"user\", user)`";

/// How a call writes its line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Writer {
    /// The `log` package or a `*log.Logger`.
    Log,
    /// `fmt.Fprint*(os.Stderr, ...)`.
    Fmt,
}

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(call), Some(operand), Some(function), Some(arguments)) =
        (found.target(), found.get("operand"), found.get("function"), found.get("arguments"))
    else {
        return;
    };
    if ctx.facts.is_test_file {
        return;
    }
    let name = ctx.text(function);
    let Some(writer) = writer_of(ctx, call, operand, name, arguments) else { return };
    let callee = format!("{}.{name}", ctx.text(operand));
    if writer == Writer::Log
        && let Some(pair) = hand_formatted_pair(ctx, arguments, name)
    {
        ctx.report(
            call,
            format!("{callee} formats `{pair}` by hand: the value is buried in a string that log search cannot filter or aggregate on"),
        )
        .help(HELP_PAIRS);
        return;
    }
    // `log.Fatal*`/`log.Panic*` end the program; what matters there is the exit or panic
    // (`exit-outside-main`, `panic-control-flow`), not the line's format.
    if name.starts_with("Fatal") || name.starts_with("Panic") {
        return;
    }
    if ctx.facts.is_main_package() || is_command_or_test_code(ctx) || is_logging_package(ctx) || is_interactive(ctx) {
        return;
    }
    let Some(logger) = module_structured_logger(ctx) else { return };
    let package = &ctx.facts.package_name;
    let what = if writer == Writer::Fmt { "prints a log line" } else { "logs" };
    ctx.report(
        call,
        format!("{callee} {what} as unstructured text in package `{package}` of a module that logs with {logger}: the line has no level or fields, and bypasses the logger's configuration"),
    )
    .help(HELP_MODULE);
}

/// A logging package of the module's own (`log`, `clog`, `logutil`): it is where the printing
/// is supposed to happen.
fn is_logging_package(ctx: &RuleContext<'_, '_>) -> bool {
    let name = ctx.facts.package_name.as_str();
    name.contains("log") && name != "catalog" && name != "dialog"
}

/// The file reads from the terminal (`os.Stdin`, `golang.org/x/term`): standard error carries its
/// prompts, not log lines.
fn is_interactive(ctx: &RuleContext<'_, '_>) -> bool {
    let text: &str = &ctx.file.text;
    text.contains("os.Stdin")
        || ctx.facts.imports.contains("golang.org/x/term")
        || ctx.facts.imports.contains("golang.org/x/crypto/ssh/terminal")
}

fn writer_of(ctx: &RuleContext<'_, '_>, call: Node<'_>, operand: Node<'_>, name: &str, arguments: Node<'_>) -> Option<Writer> {
    let imports = &ctx.facts.imports;
    let operand_text = ctx.text(operand);
    let stdlib_call = || ctx.types.call(call).is_some_and(|info| info.from_stdlib);
    if operand.kind_name() == "identifier" && imports.names(operand_text, "log") {
        return (!name.starts_with("Fprint") && stdlib_call()).then_some(Writer::Log);
    }
    if operand.kind_name() == "identifier" && imports.names(operand_text, "fmt") {
        if !stdlib_call() {
            return None;
        }
        // `fmt.Print*` to standard output is a program's output (a config dialogue, a table)
        // far more often than a log line: only standard error is taken as logging.
        if !name.starts_with("Fprint") {
            return None;
        }
        let destination = syntax::named_children(arguments).into_iter().find(|node| node.kind_name() != "comment")?;
        let destination = syntax::unparen(destination);
        let to_stderr = destination.kind_name() == "selector_expression"
            && destination.field_child("operand").is_some_and(|os| imports.names(ctx.text(os), "os"))
            && destination.field_child("field").is_some_and(|field| ctx.text(field) == "Stderr");
        return to_stderr.then_some(Writer::Fmt);
    }
    if name.starts_with("Fprint") {
        return None;
    }
    let info = ctx.types.call(call)?;
    info.receiver.as_ref().is_some_and(|(path, type_name)| path == "log" && type_name == "Logger").then_some(Writer::Log)
}

/// The first `key=%v` pair of a log call's format string (`"user=%s id=%d"` gives `user=%s`).
fn hand_formatted_pair(ctx: &RuleContext<'_, '_>, arguments: Node<'_>, name: &str) -> Option<String> {
    if !name.ends_with('f') {
        return None;
    }
    let format = syntax::named_children(arguments).into_iter().find(|node| node.kind_name() != "comment")?;
    if !matches!(format.kind_name(), "interpreted_string_literal" | "raw_string_literal") {
        return None;
    }
    key_value_pair(ctx.text(format))
}

/// `key=%v` where the key is a word (letters, digits, `_`, `.`, `-`) starting a word of the
/// string: `user=%s`, `req.id=%d`, not `a==%d` or `%s=%s`.
fn key_value_pair(format: &str) -> Option<String> {
    let bytes = format.as_bytes();
    for (at, _) in format.match_indices("=%") {
        let verb_end = bytes[at + 2..].iter().position(|byte| byte.is_ascii_alphabetic()).map(|offset| at + 3 + offset)?;
        let key_start = bytes[..at]
            .iter()
            .rposition(|byte| !(byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-')))
            .map_or(0, |index| index + 1);
        let key = &format[key_start..at];
        let starts_word = key_start == 0 || matches!(bytes[key_start - 1], b' ' | b'"' | b'`' | b'\t' | b',' | b'(' | b'[');
        if key.len() >= 2 && key.as_bytes()[0].is_ascii_alphabetic() && starts_word {
            return Some(format[key_start..verb_end].to_string());
        }
    }
    None
}

/// The structured logger this package logs with: one its non-test code imports, itself or
/// through the module's packages it imports (test-support packages and the logger's own packages
/// are not evidence). A logger imported elsewhere in the module says nothing about a package
/// that never reaches it: a repository whose Kubernetes operator uses zap while everything else
/// logs printf-style has no structured logger for the rest to bypass. Without the pre-pass, the
/// file's own imports decide.
fn module_structured_logger(ctx: &RuleContext<'_, '_>) -> Option<&'static str> {
    let (Some(project), Some(package)) = (ctx.project, ctx.package) else {
        return STRUCTURED_LOGGERS.iter().copied().find(|logger| {
            ctx.facts.imports.imports.iter().any(|import| is_under(&import.path, logger))
        });
    };
    // Breadth-first over the module's own import edges; each package is read once.
    let mut seen = crate::hash::HashSet::from_iter([package.id()]);
    let mut queue = std::collections::VecDeque::from([package]);
    while let Some(current) = queue.pop_front() {
        if is_support_package(current) {
            continue;
        }
        for path in current.import_paths() {
            if let Some(logger) = STRUCTURED_LOGGERS.iter().copied().find(|logger| is_under(path, logger)) {
                return Some(logger);
            }
            if let Some(imported) = project.package_by_import_path(path)
                && seen.insert(imported.id())
            {
                queue.push_back(imported);
            }
        }
    }
    None
}

fn is_under(path: &str, prefix: &str) -> bool {
    path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
}

/// Packages whose imports say nothing about how the module logs: test support, and the
/// structured loggers' own packages.
fn is_support_package(package: &Package) -> bool {
    let path = package.import_path().unwrap_or("");
    let name = package.name();
    STRUCTURED_LOGGERS.iter().any(|logger| is_under(path, logger))
        || path.split('/').any(is_test_support_dir)
        || name.ends_with("test")
        || name.ends_with("testutil")
}

fn is_test_support_dir(dir: &str) -> bool {
    matches!(dir, "test" | "tests" | "testing" | "testutil" | "testutils" | "testdata" | "e2e" | "examples" | "example")
        || (dir.ends_with("test") && dir != "latest")
}

/// Where printing is the job, not logging: a command's code (a `cmd/` directory, packages named
/// `cmd`/`cli`/`...main`, files built on a CLI framework), test support and examples.
fn is_command_or_test_code(ctx: &RuleContext<'_, '_>) -> bool {
    let name = ctx.facts.package_name.as_str();
    let command_name = matches!(name, "cmd" | "cmds" | "command" | "commands" | "cli" | "cliutil")
        || (name.ends_with("main") && name != "domain");
    let test_name = name.starts_with("test") || name.ends_with("test") || name.ends_with("testutil") || name.ends_with("e2e");
    let directories: Vec<&str> = match ctx.facts.package_path {
        Some(import_path) => import_path.split('/').collect(),
        None => ctx.file.path.parent().into_iter().flat_map(|dir| dir.components()).filter_map(|part| part.as_os_str().to_str()).collect(),
    };
    let command_or_test_dir = directories.iter().any(|dir| *dir == "cmd" || *dir == "tools" || is_test_support_dir(dir));
    let cli_framework = ctx.facts.imports.imports.iter().any(|import| {
        CLI_FRAMEWORKS.iter().any(|framework| is_under(&import.path, framework))
    });
    command_name || test_name || command_or_test_dir || cli_framework
}

const CLI_FRAMEWORKS: &[&str] = &[
    "github.com/spf13/cobra",
    "github.com/urfave/cli",
    "github.com/urfave/cli/v2",
    "github.com/urfave/cli/v3",
    "github.com/alecthomas/kingpin",
    "github.com/alecthomas/kingpin/v2",
    "github.com/alecthomas/kong",
    "github.com/peterbourgon/ff/v3",
    "github.com/mitchellh/cli",
];

#[cfg(test)]
mod tests {
    use super::key_value_pair;

    #[test]
    fn key_value_pairs_in_format_strings() {
        assert_eq!(key_value_pair("\"user=%s id=%d\"").as_deref(), Some("user=%s"));
        assert_eq!(key_value_pair("\"request done: req.id=%d\"").as_deref(), Some("req.id=%d"));
        assert_eq!(key_value_pair("\"a == %d\"").as_deref(), None);
        assert_eq!(key_value_pair("\"%s=%s\"").as_deref(), None);
        assert_eq!(key_value_pair("\"x=%d\"").as_deref(), None);
        assert_eq!(key_value_pair("\"load %s: %v\"").as_deref(), None);
    }
}
