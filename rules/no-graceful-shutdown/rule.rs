use crate::syntax::KindName as _;
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "no-graceful-shutdown",
    family: "E10",
    summary: "A main that serves with no signal handling and no Shutdown/GracefulStop cuts requests off on SIGTERM",
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
    tags: &["reliability"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &[],
    requires_imports: &["net/http", "google.golang.org/grpc"],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const HELP: &str = "Catch SIGTERM with `signal.NotifyContext` and call `srv.Shutdown(ctx)` (gRPC: `GracefulStop()`) before exiting";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(call), Some(operand), Some(function)) = (found.target(), found.get("operand"), found.get("function"))
    else {
        return;
    };
    if !ctx.facts.is_main_package() || ctx.facts.is_test_file {
        return;
    }
    let Some(server) = served(ctx, call, operand, ctx.text(function)) else { return };
    if stops_gracefully(ctx) {
        return;
    }
    ctx.report(
        call,
        format!("{server} in a program that never handles SIGTERM nor calls Shutdown/GracefulStop: a deploy or scale-down cuts in-flight requests off"),
    )
    .help(HELP);
}

/// What is served, for the message: `http.ListenAndServe`, or `srv.Serve` on an `*http.Server` or
/// a gRPC server. `None` for other methods of those names.
fn served(ctx: &RuleContext<'_, '_>, call: Node<'_>, operand: Node<'_>, name: &str) -> Option<String> {
    let operand_text = ctx.text(operand);
    let imports = &ctx.facts.imports;
    if operand.kind_name() == "identifier" && imports.names(operand_text, "net/http") {
        return ctx.types.call(call).is_some_and(|info| info.from_stdlib).then(|| format!("{operand_text}.{name}"));
    }
    match ctx.types.call(call) {
        Some(info) => {
            let is_http_server =
                info.receiver.as_ref().is_some_and(|(path, type_name)| path == "net/http" && type_name == "Server");
            is_http_server.then(|| format!("{operand_text}.{name}"))
        }
        // A gRPC server's type comes from outside the module, so nothing shows it: `Serve` on a
        // value of unknown type in a file that builds gRPC servers.
        None => (name == "Serve" && grpc_server_built(ctx, operand_text)).then(|| format!("{operand_text}.Serve")),
    }
}

/// The file makes a gRPC server and binds it to `name` (`s := grpc.NewServer(...)`).
fn grpc_server_built(ctx: &RuleContext<'_, '_>, name: &str) -> bool {
    let Some(grpc) = ctx.facts.imports.local_name("google.golang.org/grpc") else { return false };
    let text: &str = &ctx.file.text;
    text.lines().any(|line| {
        let line = line.trim();
        line.contains(&format!("{grpc}.NewServer(")) && line.starts_with(name) && line[name.len()..].trim_start().starts_with([':', '='])
    })
}

/// Somewhere in the package (any non-test file), OS signals are caught or a server is stopped
/// gracefully. Without the module pre-pass, this file alone decides.
fn stops_gracefully(ctx: &RuleContext<'_, '_>) -> bool {
    if let Some(package) = ctx.package {
        return package.imports("os/signal") || package.calls_shutdown();
    }
    let text: &str = &ctx.file.text;
    ctx.facts.imports.contains("os/signal") || text.contains(".Shutdown(") || text.contains(".GracefulStop(")
}
