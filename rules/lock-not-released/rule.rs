use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _, SiblingNode as _};
use crate::engine::prelude::*;
use flow::{EscapeKind, FunctionView};

pub static RULE: Rule = Rule {
    id: "lock-not-released",
    family: "D2",
    summary: "A mutex is locked and some path returns or panics without unlocking it",
    // Info: its judged sample on code it was not tuned on is over the precision bar (ledger.tsv).
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    applicability: Applicability::Unsafe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
    tags: &["reliability", "deadlock"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &[],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(call), Some(mutex), Some(method), Some(arguments)) =
        (found.target(), found.get("mutex"), found.get("method"), found.get("arguments"))
    else {
        return;
    };
    if arguments.named_child_count() != 0 {
        return;
    }
    let source: &str = &ctx.file.text;
    let Some(statement) = call.parent_node() else { return };
    if !statement.parent_node().is_some_and(|parent| matches!(parent.kind_name(), "block" | "statement_list")) {
        return;
    }
    let Some(function) = FunctionView::enclosing(call, source) else { return };
    let Some(body) = function.body else { return };
    let lock = Lock { mutex: ctx.text(mutex), unlock: if ctx.text(method) == "RLock" { "RUnlock" } else { "Unlock" } };
    if returns_locked(&function, body, source) {
        return;
    }
    // No unlock of this mutex anywhere in the function (closures included): the function hands
    // the lock over on purpose (a lock helper, or a func returning the unlock).
    // The same goes for a function whose own code (not a closure) never unlocks it after this
    // lock: `mu.Lock() // wait for the goroutine to unlock`.
    if !syntax::descendants(body).any(|node| lock.is_unlock_call(node, source))
        || !function
            .own_descendants()
            .any(|node| node.start_byte() > call.end_byte() && lock.is_unlock_call(node, source))
    {
        return;
    }
    // `defer mu.Unlock()` anywhere in the function covers every path.
    if function.defers().any(|defer| lock.releases(defer, source)) {
        return;
    }
    if entered_locked(&function, &lock, source) || locks_in_one_loop_unlocks_in_another(statement, body, &lock, source)
    {
        return;
    }
    if conditional_lock_with_matching_unlock(statement, body, &lock, source) {
        return;
    }
    if let Some(second) = second_lock(statement, &lock, source) {
        let message = format!(
            "`{}` is locked again before it is released; the second `{}()` blocks forever",
            lock.mutex,
            ctx.text(method)
        );
        ctx.report(second, message).label(call, "first locked here").help(lock.help());
        return;
    }
    let releases = |node: Node<'_>| lock.releases(node, source) || lock.hands_over(node, source);
    let recovers = recovers_panics(&function, source);
    let in_test_file = ctx.facts.is_test_file;
    let mut escapes = flow::escapes_after(statement, source, &releases);
    // `if false { return }`: a path that cannot run.
    escapes.retain(|escape| !in_dead_branch(escape.node, body, source));
    escapes.retain(|escape| {
        escape.kind != EscapeKind::Panic || recovers || !(in_test_file || is_assertion(escape.node, source))
    });
    let Some(escape) = escapes.iter().find(|escape| escape.kind != EscapeKind::EndOfFunction).or(escapes.first())
    else {
        return;
    };
    let (what, label) = match escape.kind {
        EscapeKind::Return => ("returns", "this `return` leaves with the lock held".to_string()),
        EscapeKind::Panic if recovers => {
            ("panics", "the deferred `recover()` catches this `panic` and the function returns with the lock held".to_string())
        }
        EscapeKind::Panic => ("panics", "this `panic` leaves with the lock held".to_string()),
        EscapeKind::EndOfFunction => ("ends", "the function can end here with the lock held".to_string()),
    };
    let message = format!(
        "`{}.{}()` is not released on every path: the function {what} without `{}.{}()`, and every later `Lock` blocks forever",
        lock.mutex,
        ctx.text(method),
        lock.mutex,
        lock.unlock
    );
    let label_node = escape.node;
    let fix = defer_fix(statement, body, &function, &lock, source);
    // A panic that nothing in sight recovers most likely ends the program, lock and all; it
    // matters only if a caller further up recovers. On real code these were invariant checks no
    // reviewer would change (ledger), so that sub-case is advice. A deferred recover() here, or
    // net/http's recover around a handler, keeps the program running with the lock held: error.
    let recovered_around = recovers
        || matches!(flow::request_path(function.node, &ctx.facts.imports, source), Some(flow::RequestPath::HttpHandler));
    let unrecovered_panic = escape.kind == EscapeKind::Panic && !recovered_around;
    let mut finding = ctx.report(call, message).label(label_node, label).help(lock.help());
    if unrecovered_panic {
        finding = finding.severity(Severity::Info);
    }
    if let Some(fix) = fix {
        finding.fix(fix);
    }
}

/// A panic path matters when something recovers and the program carries on: a deferred
/// `recover()` in the function itself, or further up (net/http recovers every handler's panic).
/// Assertions are left alone: a constant message (`panic("unreachable")`), an assertion error
/// (`errors.AssertionFailedf(...)`), or the `default:` of a switch over known cases; they fire
/// only on a bug, where crashing is the intent. So is every panic of a `_test.go` file, which
/// ends the test binary.
fn is_assertion(panic: Node<'_>, source: &str) -> bool {
    let in_default_case = syntax::ancestors(panic)
        .take_while(|node| !matches!(node.kind_name(), "func_literal" | "function_declaration" | "method_declaration"))
        .find(|node| node.kind_name().ends_with("_case"))
        .is_some_and(|case| case.kind_name() == "default_case" && case.parent_node().is_some_and(|s| s.kind_name().ends_with("switch_statement")));
    let constant_or_assertion = match syntax::call_arguments(panic).as_slice() {
        [argument] => {
            let argument = syntax::unparen(*argument);
            matches!(argument.kind_name(), "interpreted_string_literal" | "raw_string_literal")
                || (argument.kind_name() == "call_expression"
                    && syntax::call_name(argument, source).is_some_and(|(_, name)| name.contains("Assert")))
        }
        _ => false,
    };
    in_default_case || constant_or_assertion
}

/// Inside the body of an `if false { ... }`.
fn in_dead_branch(node: Node<'_>, body: Node<'_>, source: &str) -> bool {
    syntax::ancestors(node).take_while(|ancestor| ancestor.id() != body.id()).any(|ancestor| {
        ancestor.kind_name() == "if_statement"
            && ancestor.field_child("condition").is_some_and(|condition| syntax::text(condition, source) == "false")
            && ancestor.field_child("consequence").is_some_and(|branch| syntax::contains(branch, node))
    })
}

/// The function defers a call that recovers: `defer func() { if r := recover(); ... }()`.
fn recovers_panics(function: &FunctionView<'_>, source: &str) -> bool {
    function.defers().any(|defer| {
        syntax::descendants(defer).any(|node| {
            node.kind_name() == "call_expression" && matches!(syntax::call_name(node, source), Some((None, "recover")))
        })
    })
}

struct Lock<'s> {
    /// The receiver text: `s.mu`, `mu`, `s` (embedded).
    mutex: &'s str,
    /// `Unlock` or `RUnlock`.
    unlock: &'static str,
}

impl Lock<'_> {
    fn help(&self) -> String {
        format!("Add `defer {}.{}()` right after the lock, or unlock before every `return`", self.mutex, self.unlock)
    }

    fn is_call(&self, node: Node<'_>, name: &str, source: &str) -> bool {
        node.kind_name() == "call_expression"
            && syntax::call_name(node, source).is_some_and(|(operand, called)| {
                called == name && operand.is_some_and(|operand| same_mutex(operand, self.mutex))
            })
    }

    fn is_unlock_call(&self, node: Node<'_>, source: &str) -> bool {
        self.is_call(node, self.unlock, source)
    }

    /// A statement that unlocks: `mu.Unlock()`, `defer mu.Unlock()`, `defer func() { mu.Unlock() }()`,
    /// or any statement with an unlock call inside (an `if` initializer, a closure called there).
    fn releases(&self, statement: Node<'_>, source: &str) -> bool {
        syntax::descendants(statement).any(|node| self.is_unlock_call(node, source))
    }

    /// A statement that passes the mutex (or what holds it) to another function, or calls an
    /// `unlock...` helper: that function may release it.
    fn hands_over(&self, statement: Node<'_>, source: &str) -> bool {
        std::iter::once(statement).chain(syntax::descendants(statement)).any(|node| match node.kind_name() {
            // `s.unlockAndReset()`, `return tx.closemuRUnlockRelease`: an unlock elsewhere.
            "identifier" | "field_identifier" => syntax::text(node, source).to_ascii_lowercase().contains("unlock"),
            // `rs.closemuScanHold = true`, `s.locked = true`, `lockHeld = true`: the lock is kept on
            // purpose, and released later where the flag says so.
            "assignment_statement" => node.field_child("left").is_some_and(|left| {
                let left = syntax::text(left, source).to_ascii_lowercase();
                left.contains("hold") || left.contains("held") || left.contains("locked")
            }),
            "call_expression" => syntax::call_arguments(node).iter().any(|argument| {
                let text = syntax::text(*argument, source).trim_start_matches('&');
                same_mutex(text, self.mutex)
            }),
            _ => false,
        })
    }
}

fn same_mutex(a: &str, b: &str) -> bool {
    let squash = |text: &str| text.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    a == b || squash(a) == squash(b)
}

/// Functions meant to return with the lock held: `...Locked`, `lock...`, a doc comment saying so,
/// and lock helpers whose body only locks.
fn returns_locked(function: &FunctionView<'_>, body: Node<'_>, source: &str) -> bool {
    if let Some(name) = function.name() {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with("locked") || lower.starts_with("lock") || lower.starts_with("rlock") {
            return true;
        }
    }
    let mut comment = String::new();
    let mut previous = function.node.prev_sibling();
    while let Some(node) = previous.filter(|node| node.kind_name() == "comment") {
        comment.push_str(&syntax::text(node, source).to_ascii_lowercase());
        previous = node.prev_sibling();
    }
    let says_held = [
        "responsibility to unlock",
        "caller's responsibility",
        "caller must",
        "left locked",
        "remains locked",
        "still locked",
        "must unlock",
        "must release",
        "lock held",
        "locks held",
        "with the lock",
        "returns locked",
        "leaves it locked",
        "caller unlocks",
        "caller is responsible",
    ];
    if says_held.iter().any(|phrase| comment.contains(phrase)) {
        return true;
    }
    let statements = syntax::block_statements(body);
    !statements.is_empty()
        && statements.iter().all(|statement| {
            statement.kind_name() == "expression_statement"
                && statement.named_child(0).is_some_and(|call| {
                    syntax::call_name(call, source).is_some_and(|(_, name)| name == "Lock" || name == "RLock")
                })
        })
}

/// The function's first operation on the mutex is an unlock: it is called with the lock held
/// (`mu.Unlock(); slowCall(); mu.Lock()` re-acquires it for the caller).
fn entered_locked(function: &FunctionView<'_>, lock: &Lock<'_>, source: &str) -> bool {
    function
        .own_descendants()
        .find(|node| ["Lock", "RLock", "Unlock", "RUnlock"].iter().any(|name| lock.is_call(*node, name, source)))
        .is_some_and(|first| lock.is_call(first, "Unlock", source) || lock.is_call(first, "RUnlock", source))
}

/// `for _, x := range xs { x.mu.Lock() }` ... `for _, x := range xs { x.mu.Unlock() }`: locking
/// a set of mutexes in one loop and releasing them in another.
fn locks_in_one_loop_unlocks_in_another(statement: Node<'_>, body: Node<'_>, lock: &Lock<'_>, source: &str) -> bool {
    let Some(own_loop) = syntax::ancestors(statement)
        .take_while(|node| node.id() != body.id())
        .find(|node| node.kind_name() == "for_statement")
    else {
        return false;
    };
    syntax::descendants(body).any(|node| {
        lock.is_unlock_call(node, source)
            && !syntax::contains(own_loop, node)
            && syntax::ancestors(node)
                .take_while(|a| a.id() != body.id())
                .find(|a| a.kind_name() == "for_statement")
                .is_some_and(|other_loop| {
                    // That loop only releases: it does not take the lock itself.
                    !syntax::descendants(other_loop)
                        .any(|n| lock.is_call(n, "Lock", source) || lock.is_call(n, "RLock", source))
                })
    })
}

/// `if cond { mu.Lock() }` ... `if cond { mu.Unlock() }`: locking and unlocking under the same
/// condition, which paths alone cannot see.
fn conditional_lock_with_matching_unlock(statement: Node<'_>, body: Node<'_>, lock: &Lock<'_>, source: &str) -> bool {
    let Some(guard) = syntax::ancestors(statement)
        .take_while(|node| node.id() != body.id())
        .find(|node| node.kind_name() == "if_statement")
    else {
        return false;
    };
    let Some(condition) = guard.field_child("condition") else { return false };
    let condition = syntax::text(condition, source);
    syntax::descendants(body).any(|node| {
        node.kind_name() == "if_statement"
            && node.id() != guard.id()
            && node.start_byte() > statement.end_byte()
            && node.field_child("condition").is_some_and(|other| syntax::text(other, source) == condition)
            && lock.releases(node, source)
    })
}

/// A second `mu.Lock()` among the statements that follow in the same block, before anything that
/// mentions an unlock of the mutex.
fn second_lock<'tree>(statement: Node<'tree>, lock: &Lock<'_>, source: &str) -> Option<Node<'tree>> {
    let mut next = statement.next_named_sibling_node();
    while let Some(sibling) = next {
        if lock.releases(sibling, source) || lock.hands_over(sibling, source) {
            return None;
        }
        if matches!(sibling.kind_name(), "labeled_statement" | "goto_statement" | "return_statement") {
            return None;
        }
        if sibling.kind_name() == "expression_statement"
            && let Some(call) = sibling.named_child(0)
            && (lock.is_call(call, "Lock", source) || lock.is_call(call, "RLock", source))
            && syntax::call_arguments(call).is_empty()
        {
            // RLock twice is legal (if unwise); only an exclusive lock involved deadlocks for sure.
            let first_read = lock.unlock == "RUnlock";
            let second_read = syntax::call_name(call, source).is_some_and(|(_, name)| name == "RLock");
            if first_read && second_read {
                return None;
            }
            return Some(call);
        }
        next = sibling.next_named_sibling_node();
    }
    None
}

/// `defer mu.Unlock()` after the lock, the explicit unlocks removed: only when the lock is a
/// top-level statement of the body (not in a loop or branch), no other defer follows it, every
/// explicit unlock is a plain statement on its own line, and nothing but a `return` of plain
/// values (or the end of the function) follows each unlock, so nothing that ran unlocked before
/// runs under the lock after the fix.
fn defer_fix(
    statement: Node<'_>,
    body: Node<'_>,
    function: &FunctionView<'_>,
    lock: &Lock<'_>,
    source: &str,
) -> Option<Fix> {
    let parent = statement.parent_node()?;
    let top_level = if parent.kind_name() == "statement_list" { parent.parent_node()? } else { parent };
    if top_level.id() != body.id() {
        return None;
    }
    if function.defers().any(|defer| defer.start_byte() > statement.end_byte()) {
        return None;
    }
    // No other lock of the same mutex (re-locking after an unlock would double-unlock).
    let mut unlocks = Vec::new();
    for node in syntax::descendants(body) {
        if node.kind_name() == "func_literal" && lock.releases(node, source) {
            return None;
        }
        if node.kind_name() == "call_expression" && node.start_byte() > statement.end_byte() {
            if lock.is_call(node, "Lock", source) || lock.is_call(node, "RLock", source) {
                return None;
            }
            if let Some((_, name)) = syntax::call_name(node, source)
                && (name == "Unlock" || name == "RUnlock")
                && !lock.is_unlock_call(node, source)
                && syntax::call_name(node, source)
                    .and_then(|(operand, _)| operand)
                    .is_some_and(|o| same_mutex(o, lock.mutex))
            {
                return None;
            }
            if lock.is_unlock_call(node, source) {
                unlocks.push(node);
            }
        } else if node.kind_name() == "call_expression" && lock.is_unlock_call(node, source) {
            return None;
        }
    }
    let mut edits = Vec::new();
    for unlock in &unlocks {
        let unlock_statement = unlock.parent_node().filter(|parent| parent.kind_name() == "expression_statement")?;
        if !unlock_statement.parent_node().is_some_and(|parent| matches!(parent.kind_name(), "block" | "statement_list")) {
            return None;
        }
        if !followed_only_by_plain_return(unlock_statement, body, source) {
            return None;
        }
        edits.push(Edit::delete(whole_line(unlock_statement, source)?));
    }
    let indent = syntax::line_indent(source, statement.start_byte());
    edits.push(Edit::insert(statement.end_byte(), format!("\n{indent}defer {}.{}()", lock.mutex, lock.unlock)));
    Some(Fix::unsafe_edits(edits))
}

/// After `statement`: nothing, or a `return` whose values are names, literals or field reads.
fn followed_only_by_plain_return(statement: Node<'_>, body: Node<'_>, source: &str) -> bool {
    let _ = source;
    match statement.next_named_sibling_node().filter(|next| next.kind_name() != "comment") {
        Some(next) => {
            next.kind_name() == "return_statement"
                && syntax::descendants(next).all(|node| {
                    !matches!(node.kind_name(), "call_expression" | "func_literal" | "unary_expression" | "index_expression")
                        || (node.kind_name() == "unary_expression" && !syntax::text(node, source).starts_with("<-"))
                })
        }
        None => {
            // The end of the function body itself.
            let list = statement.parent_node();
            let block = list.and_then(|list| if list.kind_name() == "statement_list" { list.parent_node() } else { Some(list) });
            block.is_some_and(|block| block.id() == body.id())
        }
    }
}

/// The span of a statement's whole line (indentation and newline included), when it is alone there.
fn whole_line(statement: Node<'_>, source: &str) -> Option<Span> {
    let line_start = source[..statement.start_byte()].rfind('\n').map_or(0, |i| i + 1);
    if !source[line_start..statement.start_byte()].trim().is_empty() {
        return None;
    }
    let rest = &source[statement.end_byte()..];
    let newline = rest.find('\n')?;
    if !rest[..newline].trim().is_empty() {
        return None;
    }
    Some(Span::new(line_start, statement.end_byte() + newline + 1))
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;
    use crate::diagnostic::Severity;
    use crate::lint::lint_text;

    fn severities(body: &str) -> Vec<Severity> {
        let source = format!(
            "package p\n\nimport (\n\t\"net/http\"\n\t\"sync\"\n)\n\nvar mu sync.Mutex\n\nvar _ http.Handler\n\n{body}\n"
        );
        let findings = lint_text("store.go", &source, &Settings::only(&["lock-not-released"])).expect("lints");
        findings.iter().map(|finding| finding.severity).collect()
    }

    #[test]
    fn panics_nothing_recovers_are_information() {
        let unrecovered = "func get(m map[string]int, k string) int {\n\tmu.Lock()\n\tv, ok := m[k]\n\tif !ok {\n\t\tpanic(\"missing \" + k)\n\t}\n\tmu.Unlock()\n\treturn v\n}";
        assert_eq!(severities(unrecovered), [Severity::Info]);
        let handler = "func serve(w http.ResponseWriter, r *http.Request) {\n\tmu.Lock()\n\tif r == nil {\n\t\tpanic(\"no request \" + r.URL.Path)\n\t}\n\tmu.Unlock()\n}";
        assert_eq!(severities(handler), [super::RULE.severity]);
        let returns = "func get(m map[string]int, k string) (int, bool) {\n\tmu.Lock()\n\tv, ok := m[k]\n\tif !ok {\n\t\treturn 0, false\n\t}\n\tmu.Unlock()\n\treturn v, true\n}";
        assert_eq!(severities(returns), [super::RULE.severity]);
    }
}
