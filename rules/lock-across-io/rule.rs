use crate::syntax::{FieldChild as _, KindName as _, ParentNode as _, SiblingNode as _};
use crate::engine::facts::blocking;
use crate::engine::facts::module::BlockCause;
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "lock-across-io",
    family: "A8",
    summary: "A blocking call (I/O, channel operation, wait) is made while a mutex is held",
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
    tags: &["performance", "reliability", "concurrency"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &[],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const HELP: &str = "Do the I/O before taking the lock (or copy what you need, unlock, then do I/O); keep only in-memory updates inside the critical section";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(statement), Some(mutex), Some(method), Some(arguments)) =
        (found.target(), found.get("mutex"), found.get("method"), found.get("arguments"))
    else {
        return;
    };
    if syntax::named_children(arguments).iter().any(|argument| argument.kind_name() != "comment") {
        return;
    }
    let Some(list) = statement.parent_node().filter(|parent| parent.kind_name() == "statement_list") else { return };
    let source: &str = &ctx.file.text;
    let mutex_text = syntax::text(mutex, source);
    let read = syntax::text(method, source) == "RLock";
    if !is_sync_lock(ctx, mutex) {
        return;
    }
    let mut region = Region {
        source,
        mutex: mutex_text,
        release: if read { "RUnlock" } else { "Unlock" },
        saw_release: false,
        deferred: false,
        blocking: Vec::new(),
        writes: Vec::new(),
    };
    // The statements after the Lock in its own list; with a deferred unlock, the lock is held to
    // the end of the function, so the statements after each enclosing statement follow.
    let mut outcome = region.sequence(successors(statement));
    let mut current = list;
    while outcome == Outcome::Held && region.deferred {
        let Some(enclosing) = enclosing_list_statement(current) else { break };
        let Some(parent) = enclosing.parent_node() else { break };
        outcome = region.sequence(successors(enclosing));
        current = parent;
    }
    // Without an unlock of the same receiver in sight, the region is not known (the function
    // may hand the locked value back to its caller): stay silent.
    if !region.saw_release {
        return;
    }
    let lock_call = statement.named_child(0).unwrap_or(statement);
    let label =
        if read { format!("`{mutex_text}` is read-locked here") } else { format!("`{mutex_text}` is locked here") };
    let from = ctx.package.map(Package::id);
    let owner = lock_owner(mutex, source);
    let mut findings: Vec<(Span, String, bool)> = Vec::new();
    for (span, what) in std::mem::take(&mut region.blocking) {
        // The lock exists to serialise exactly this I/O (RULES.md A8, issue 9): information.
        let serialised = |node: Node<'_>, why: &str| !read && serialises_io(node, why, owner, mutex_text, &region, source);
        let message = match what {
            // The whole file is walked for each channel name: once per file, not per send.
            Blocking::Send(channel)
                if ctx.types.remember("lock-across-io: made buffered", ctx.tree.root_node(), channel, || {
                    made_buffered(ctx.tree.root_node(), source, channel)
                }) =>
            {
                continue;
            }
            Blocking::Send(channel) => {
                format!("`{mutex_text}` is held across a send on `{channel}`, which waits for a receiver")
            }
            Blocking::Receive(channel) => {
                format!("`{mutex_text}` is held across a receive from `{channel}`, which waits for a sender")
            }
            Blocking::Select => {
                format!("`{mutex_text}` is held across a select with no default case, which waits for a channel")
            }
            Blocking::Judged(node) => match describe_call(ctx, node, from) {
                Some(why) => {
                    let serialised = serialised(node, &why);
                    findings.push((span, format!("`{mutex_text}` is held across {why}"), serialised));
                    continue;
                }
                None => continue,
            },
        };
        findings.push((span, message, false));
    }
    // One finding per blocking operation: `db.QueryRow(...).Scan(...)` and `io.Copy(w, <-ch)`
    // are reported at the innermost blocking part.
    let spans: Vec<Span> = findings.iter().map(|(span, ..)| *span).collect();
    let in_test = ctx.facts.is_test_file;
    for (span, message, serialised) in findings {
        let contains_other =
            spans.iter().any(|other| *other != span && span.start <= other.start && other.end <= span.end);
        if contains_other {
            continue;
        }
        let message = if serialised { format!("{message}; the lock appears to serialise this I/O") } else { message };
        let finding = ctx.report(span, message).label(lock_call, label.clone()).help(HELP);
        // A test's latency is nobody's outage, and a lock that serialises its own I/O is a
        // design choice a reviewer accepts: both stay visible as information.
        if serialised || in_test {
            finding.severity(Severity::Info);
        }
    }
}

/// The value a lock belongs to: `s` for `s.mu`, `s.conn` for `s.conn.mu`, and `r` for an
/// embedded lock (`r.Lock()`). A bare package-level or local mutex has none.
fn lock_owner<'s>(mutex: Node<'_>, source: &'s str) -> Option<&'s str> {
    let mutex = syntax::unparen(mutex);
    match mutex.kind_name() {
        "selector_expression" => mutex.field_child("operand").map(|operand| syntax::text(operand, source)),
        // `r.Lock()` on a value that embeds the lock: the value itself.
        "identifier" if syntax::text(mutex, source).starts_with(|c: char| c.is_ascii_lowercase()) => {
            let name = syntax::text(mutex, source);
            (!looks_like_mutex_name(name)).then_some(name)
        }
        _ => None,
    }
}

/// `mu`, `mtx`, `lock`, `writeMu`, `stateLock`: a variable that is the lock itself.
fn looks_like_mutex_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["mu", "mtx", "mutex", "lock", "lck", "m", "l"].contains(&lower.as_str())
        || ["mu", "mtx", "mutex", "lock"].iter().any(|suffix| lower.ends_with(suffix))
}

/// `expression` is `owner` or reaches through it (`owner.file`, `owner.conns[i]`).
fn mentions_owner(expression: &str, owner: &str) -> bool {
    expression == owner
        || expression.strip_prefix(owner).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// The lock serialises this blocking call rather than guarding other state across it: an
/// exclusive lock whose owner the call works on (`s.conn.Write(...)`, `w.sync()`,
/// `os.WriteFile(c.path, ...)`) while the critical section changes none of the owner's other
/// state, except by storing the call's own result (single-flight initialisation:
/// `c.dir, err = os.MkdirTemp(...)`); or a lock named for the I/O it serialises (`writeMu`,
/// `fileMu`, `saveMu`). A lock that also guards a map or a field updated in the section
/// (`s.cache[k] = v` around a query) stays a warning.
fn serialises_io(
    call: Node<'_>,
    why: &str,
    owner: Option<&str>,
    mutex: &str,
    region: &Region<'_, '_>,
    source: &str,
) -> bool {
    // Waiting for goroutines or for time is no I/O a lock could serialise.
    if call.kind_name() != "call_expression" || why.contains("sync.WaitGroup") || why.contains("time.Sleep") {
        return false;
    }
    let lock_name = mutex.rsplit('.').next().unwrap_or(mutex).to_ascii_lowercase();
    const IO_WORDS: &[&str] = &[
        "write", "wr", "read", "file", "io", "flush", "save", "sync", "conn", "send", "disk", "persist", "snapshot",
        "wal", "compact", "dir", "init", "once", "load", "store", "db",
    ];
    let stem = ["mutex", "mtx", "mu", "lock"].iter().find_map(|suffix| lock_name.strip_suffix(suffix)).unwrap_or("");
    let named_for_io = !stem.is_empty() && IO_WORDS.iter().any(|word| stem.contains(word));
    let Some(owner) = owner else { return named_for_io };
    let changes_other_state = region.writes.iter().any(|(statement, target)| {
        let target_text = syntax::text(*target, source);
        let stores_this_result = syntax::contains(*statement, call);
        let the_lock_itself = mutex != owner && mentions_owner(target_text, mutex);
        mentions_owner(target_text, owner) && !stores_this_result && !the_lock_itself
    });
    if changes_other_state {
        return false;
    }
    if named_for_io {
        return true;
    }
    let Some(function) = call.field_child("function").map(syntax::unparen) else { return false };
    let on_owner = function.kind_name() == "selector_expression"
        && function
            .field_child("operand")
            .is_some_and(|operand| mentions_owner(syntax::text(syntax::unparen(operand), source), owner));
    // An argument from the owner counts for file-system work only (`os.WriteFile(c.path, ...)`,
    // a helper that saves `s.state`): the owner's file. A request to `s.url` is a value to copy
    // out before unlocking.
    let with_owner = why.contains("os.") && call.field_child("arguments").is_some_and(|arguments| {
        syntax::named_children(arguments)
            .iter()
            .any(|argument| mentions_owner(syntax::text(syntax::unparen(*argument), source), owner))
    });
    let stored_on_owner = region.writes.iter().any(|(statement, target)| {
        syntax::contains(*statement, call) && mentions_owner(syntax::text(*target, source), owner)
    });
    on_owner || with_owner || stored_on_owner
}

/// Evidence that `mutex` is a `sync.Mutex`/`sync.RWMutex`: its type says so (a field, a
/// variable, a project struct embedding one), or, when the type is unknown, the matching unlock
/// on the same receiver text (checked by the caller). A known type that is not a sync lock (a
/// file lock, a project type with its own `Lock` method) is left alone.
fn is_sync_lock(ctx: &RuleContext<'_, '_>, mutex: Node<'_>) -> bool {
    let Some(ty) = ctx.types.type_of(mutex) else { return true };
    let value = ty.strip_prefix('*').unwrap_or(&ty);
    if matches!(value, "sync.Mutex" | "sync.RWMutex" | "sync.Locker") {
        return true;
    }
    let Some(project) = ctx.project else { return false };
    if project.method_of_type(value, "Lock").is_some() || project.method_of_type(value, "RLock").is_some() {
        return false;
    }
    project.lock_held_by_value(value).is_some_and(|lock| {
        use crate::engine::facts::module::LockKind;
        matches!(lock.kind, LockKind::Mutex | LockKind::RWMutex)
            && lock.field_path.split('.').all(|field| matches!(field, "Mutex" | "RWMutex"))
    })
}

/// The statements after `statement` in its list.
fn successors<'tree>(statement: Node<'tree>) -> impl Iterator<Item = Node<'tree>> {
    std::iter::successors(statement.next_named_sibling_node(), |node| node.next_named_sibling_node())
}

/// The statement (directly in a `statement_list`) that contains `list`, inside the same function.
fn enclosing_list_statement(list: Node<'_>) -> Option<Node<'_>> {
    let mut node = list.parent_node()?;
    loop {
        if syntax::FUNCTION_KINDS.contains(&node.kind_name()) {
            return None;
        }
        let parent = node.parent_node()?;
        if parent.kind_name() == "statement_list" {
            return Some(node);
        }
        node = parent;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Some path reaches the end with the lock still held.
    Held,
    /// Some path released the lock and carries on: what follows is not known to be locked.
    Released,
    /// No path carries on (return, panic, break, continue, goto).
    Ends,
}

#[derive(Debug)]
enum Blocking<'s, 'tree> {
    Send(&'s str),
    Receive(&'s str),
    Select,
    /// A call, or a `range` operand, judged with the rule context ([`describe_call`]).
    Judged(Node<'tree>),
}

struct Region<'s, 'tree> {
    source: &'s str,
    mutex: &'s str,
    release: &'static str,
    saw_release: bool,
    deferred: bool,
    blocking: Vec<(Span, Blocking<'s, 'tree>)>,
    /// The left-hand sides of assignments, `++` and `--` in the region: the state it changes.
    writes: Vec<(Node<'tree>, Node<'tree>)>,
}

impl<'s, 'tree> Region<'s, 'tree> {
    /// `x.Unlock()` on the same receiver text.
    fn is_release_call(&self, node: Node<'_>) -> bool {
        if syntax::kind(node) != "call_expression" {
            return false;
        }
        let Some(function) = node.field_child("function").map(syntax::unparen) else { return false };
        function.kind_name() == "selector_expression"
            && function
                .field_child("field")
                .is_some_and(|field| syntax::text(field, self.source) == self.release)
            && function
                .field_child("operand")
                .is_some_and(|operand| syntax::text(operand, self.source) == self.mutex)
    }

    /// The statement contains a release outside function literals.
    fn contains_release(&self, statement: Node<'_>) -> bool {
        self.is_release_call(statement) || flow::own_descendants(statement).any(|node| self.is_release_call(node))
    }

    /// `defer x.Unlock()` or `defer func() { ... x.Unlock() ... }()`.
    fn is_deferred_release(&self, statement: Node<'_>) -> bool {
        if statement.kind_name() != "defer_statement" {
            return false;
        }
        let Some(call) = statement.named_child(0) else { return false };
        if self.is_release_call(call) {
            return true;
        }
        let literal = call.field_child("function").map(syntax::unparen);
        literal.is_some_and(|literal| {
            literal.kind_name() == "func_literal"
                && literal.field_child("body").is_some_and(|body| self.contains_release(body))
        })
    }

    fn sequence(&mut self, statements: impl Iterator<Item = Node<'tree>>) -> Outcome {
        let mut statements = statements;
        while let Some(statement) = statements.next() {
            match self.statement(statement) {
                Outcome::Held => {}
                // `x.Unlock(); return err` (or `continue`): this path leaves with the lock
                // released, so the lock is still held on the paths that carry on.
                Outcome::Released if self.is_release_statement(statement) => {
                    let ends = statements.any(|rest| ends_path(rest, self.source));
                    return if ends { Outcome::Ends } else { Outcome::Released };
                }
                other => return other,
            }
        }
        Outcome::Held
    }

    fn is_release_statement(&self, statement: Node<'_>) -> bool {
        statement.kind_name() == "expression_statement"
            && statement.named_child(0).is_some_and(|call| self.is_release_call(syntax::unparen(call)))
    }

    fn statement(&mut self, statement: Node<'tree>) -> Outcome {
        if self.is_deferred_release(statement) {
            self.saw_release = true;
            self.deferred = true;
            return Outcome::Held;
        }
        if self.is_release_statement(statement) {
            self.saw_release = true;
            return Outcome::Released;
        }
        if !self.contains_release(statement) {
            self.visit(statement);
            return if ends_path(statement, self.source) { Outcome::Ends } else { Outcome::Held };
        }
        self.saw_release = true;
        self.compound(statement)
    }

    /// A compound statement with a release somewhere inside: follow its branches.
    fn compound(&mut self, statement: Node<'tree>) -> Outcome {
        match statement.kind_name() {
            "block" => self.block(statement),
            "labeled_statement" => match statement.named_children(&mut statement.walk()).last() {
                Some(inner) if inner.kind_name() != "label_name" => self.statement(inner),
                _ => Outcome::Held,
            },
            "if_statement" => {
                for field in ["initializer", "condition"] {
                    if let Some(part) = statement.field_child(field) {
                        if self.contains_release(part) {
                            return Outcome::Released;
                        }
                        self.visit(part);
                    }
                }
                let mut outcomes = Vec::new();
                if let Some(consequence) = statement.field_child("consequence") {
                    outcomes.push(self.block(consequence));
                }
                match statement.field_child("alternative") {
                    Some(alternative) if alternative.kind_name() == "block" => outcomes.push(self.block(alternative)),
                    Some(alternative) => outcomes.push(self.statement(alternative)),
                    None => outcomes.push(Outcome::Held),
                }
                combine(&outcomes)
            }
            "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
                let mut outcomes = Vec::new();
                let mut has_default = false;
                let is_select = statement.kind_name() == "select_statement";
                if is_select && !flow::has_default(statement) {
                    self.blocking.push((select_keyword(statement), Blocking::Select));
                }
                for child in syntax::named_children(statement) {
                    match child.kind_name() {
                        "expression_case" | "type_case" | "default_case" | "communication_case" => {
                            has_default |= child.kind_name() == "default_case";
                            if let Some(value) = child.field_child("value")
                                && child.kind_name() == "expression_case"
                            {
                                self.visit(value);
                            }
                            let body = syntax::named_children(child).into_iter().find(|n| n.kind_name() == "statement_list");
                            outcomes.push(match body {
                                Some(body) => {
                                    self.sequence(body.named_children(&mut body.walk()).collect::<Vec<_>>().into_iter())
                                }
                                None => Outcome::Held,
                            });
                        }
                        _ if is_select => {}
                        _ => {
                            if self.contains_release(child) {
                                return Outcome::Released;
                            }
                            self.visit(child);
                        }
                    }
                }
                if !has_default && !is_select {
                    outcomes.push(Outcome::Held);
                }
                // A `break` inside a case leaves the switch with the lock in the state of that
                // path; `Ends` for it is conservative (nothing after the switch is looked at).
                combine(&outcomes)
            }
            "for_statement" => {
                for child in syntax::named_children(statement) {
                    if Some(child) == statement.field_child("body") {
                        continue;
                    }
                    if self.contains_release(child) {
                        return Outcome::Released;
                    }
                    self.visit(child);
                }
                match statement.field_child("body").map(|body| self.block(body)) {
                    Some(Outcome::Released) => Outcome::Released,
                    _ => Outcome::Held,
                }
            }
            // Any other statement with a release in it (`if err := mu.Unlock; ...` shapes,
            // `go`, assignments): the state after it is unknown.
            _ => Outcome::Released,
        }
    }

    fn block(&mut self, block: Node<'tree>) -> Outcome {
        let Some(list) = syntax::named_children(block).into_iter().find(|n| n.kind_name() == "statement_list") else {
            return Outcome::Held;
        };
        let statements: Vec<Node<'tree>> = syntax::named_children(list);
        self.sequence(statements.into_iter())
    }

    /// Record everything that blocks in `node` (no release inside it), skipping what runs on
    /// another goroutine or later: `go` statements (their arguments are evaluated here),
    /// `defer`red calls, and function literals that are not called where they are written.
    fn visit(&mut self, node: Node<'tree>) {
        match node.kind_name() {
            "func_literal" => {
                let called_here = node.parent_node().is_some_and(|parent| {
                    parent.kind_name() == "call_expression"
                        && parent.field_child("function").map(syntax::unparen) == Some(node)
                        && parent
                            .parent_node()
                            .is_none_or(|grand| !matches!(grand.kind_name(), "go_statement" | "defer_statement"))
                });
                // A called literal that releases the lock itself (`func() { mu.RUnlock();
                // mu.Lock(); defer ... }()`) changes the state in ways not followed here.
                if called_here
                    && let Some(body) = node.field_child("body")
                    && !self.contains_release(body)
                {
                    self.visit(body);
                }
                return;
            }
            "go_statement" => {
                if let Some(arguments) = node.named_child(0).and_then(|call| call.field_child("arguments")) {
                    self.visit(arguments);
                }
                return;
            }
            "defer_statement" => return,
            "select_statement" => {
                if !flow::has_default(node) {
                    self.blocking.push((select_keyword(node), Blocking::Select));
                }
                // The communications are judged with the select; the case bodies run after it.
                for case in flow::select_cases(node) {
                    if let Some(body) = case.body {
                        self.visit(body);
                    }
                }
                return;
            }
            "send_statement" => {
                let channel = node.field_child("channel").map_or("", |c| syntax::text(c, self.source));
                self.blocking.push((span_of(node), Blocking::Send(channel)));
            }
            "unary_expression" => {
                if let Some(channel) = flow::receive_operand(node) {
                    self.blocking.push((span_of(node), Blocking::Receive(syntax::text(channel, self.source))));
                }
            }
            "range_clause" => {
                if let Some(right) = node.field_child("right") {
                    self.blocking.push((span_of(right), Blocking::Judged(right)));
                }
            }
            "call_expression" => {
                self.blocking.push((span_of(node), Blocking::Judged(node)));
            }
            "assignment_statement" | "inc_statement" | "dec_statement" => {
                let target = node.field_child("left").or_else(|| node.named_child(0));
                if let Some(target) = target {
                    let targets = if target.kind_name() == "expression_list" { syntax::named_children(target) } else { vec![target] };
                    self.writes.extend(targets.into_iter().map(|target| (node, target)));
                }
            }
            _ => {}
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'tree>> = node.named_children(&mut cursor).collect();
        for child in children {
            self.visit(child);
        }
    }
}

fn span_of(node: Node<'_>) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}

/// The `select` keyword, so the finding points at the statement's first line only.
fn select_keyword(select: Node<'_>) -> Span {
    Span::new(select.start_byte(), select.start_byte() + "select".len())
}

fn combine(outcomes: &[Outcome]) -> Outcome {
    if outcomes.contains(&Outcome::Released) {
        Outcome::Released
    } else if outcomes.iter().all(|outcome| *outcome == Outcome::Ends) && !outcomes.is_empty() {
        Outcome::Ends
    } else {
        Outcome::Held
    }
}

/// `return`, `break`, `continue`, `goto`, or a call that never returns.
fn ends_path(statement: Node<'_>, source: &str) -> bool {
    match statement.kind_name() {
        "return_statement" | "break_statement" | "continue_statement" | "goto_statement" => true,
        "expression_statement" => {
            statement.named_child(0).is_some_and(|call| flow::terminating_call(syntax::unparen(call), source).is_some())
        }
        _ => false,
    }
}

/// Why a call (or a `range` operand) blocks, as the tail of the message: "a blocking call to
/// os.WriteFile", "`s.save(...)`, which calls (*Store).flush, which calls os.WriteFile".
fn describe_call(ctx: &RuleContext<'_, '_>, node: Node<'_>, from: Option<u32>) -> Option<String> {
    let source: &str = &ctx.file.text;
    if node.kind_name() != "call_expression" {
        // A range operand: blocking when it is a channel.
        let ty = ctx.types.type_of(node)?;
        let is_channel = ty.starts_with("chan ") || ty.starts_with("<-chan ");
        return is_channel
            .then(|| format!("a range over the channel `{}`, which waits for senders", syntax::text(node, source)));
    }
    let function = syntax::unparen(node.field_child("function")?);
    let callee = syntax::text(function, source);
    let (qualifier, name) = match function.kind_name() {
        "identifier" => (None, callee),
        "selector_expression" => {
            let operand = syntax::unparen(function.field_child("operand")?);
            (Some(operand), syntax::text(function.field_child("field")?, source))
        }
        _ => return None,
    };
    let project = ctx.project;
    // A call whose callee the facts know is judged by the blocking table or its summary only.
    let mut resolved = ctx.types.call(node).is_some();
    if let Some(info) = ctx.types.call(node) {
        if info.from_stdlib {
            let call = match &info.receiver {
                Some((path, type_name)) => blocking::blocking_method(path, type_name, name),
                None => {
                    let path = ctx.facts.imports.path_of(syntax::text(qualifier?, source))?;
                    blocking::blocking_func(path, name)
                }
            };
            return call.map(|call| format!("a blocking call to {call}"));
        }
        let func = match &info.receiver {
            Some((path, type_name)) => project.and_then(|p| p.method_of_type(&format!("{path}.{type_name}"), name)),
            None => match qualifier {
                None => ctx.package.and_then(|package| Some((package, package.function(name)?))),
                Some(qualifier) => ctx
                    .facts
                    .imports
                    .path_of(syntax::text(qualifier, source))
                    .and_then(|path| project?.package_by_import_path(path))
                    .and_then(|package| Some((package, package.function(name)?))),
            },
        };
        if let Some((_, func)) = func {
            return project_chain(ctx, func, callee, from);
        }
        resolved = false;
    } else if let Some(operand) = qualifier
        && operand.kind_name() == "identifier"
        && let Some(path) = ctx.facts.imports.path_of(syntax::text(operand, source))
        && ctx.types.type_of(operand).is_none()
    {
        // `pkg.F(...)` the type tables do not know.
        if let Some(call) = blocking::blocking_func(path, name) {
            return Some(format!("a blocking call to {call}"));
        }
        if let Some(package) = project.and_then(|p| p.package_by_import_path(path)) {
            return project_chain(ctx, package.function(name)?, callee, from);
        }
    } else if qualifier.is_none()
        && let Some(package) = ctx.package
        && let Some(func) = package.function(name)
    {
        // `f(...)` of this package that the type tables did not resolve (an external test
        // package, a dot-import in the file): judged by its summary only.
        return project_chain(ctx, func, callee, from);
    } else if qualifier.is_some()
        && let Some(package) = ctx.package
        && let Some(func) = package.unique_unexported_method(name)
    {
        // `x.m(...)` on an unknown type: an unexported method declared once in the package.
        return project_chain(ctx, func, callee, from);
    }
    // Unknown callees.
    if name == "Wait" && qualifier.is_some_and(|operand| looks_like_wait_group(syntax::text(operand, source))) {
        return Some("`(*sync.WaitGroup).Wait`, which waits for other goroutines".to_string());
    }
    if !resolved
        && !derives_context(name)
        && (qualifier.is_some() || !local_func_literal(ctx.types.ancestry(), node, callee, source))
        && let Some(first) = syntax::call_arguments(node).first()
        && is_context(ctx, *first)
    {
        return Some(format!("`{callee}(...)`, which takes a context and may block"));
    }
    None
}

/// `wg`, `s.wg`, `waitGroup`, `c.workersWG`.
fn looks_like_wait_group(operand: &str) -> bool {
    let last = operand.rsplit('.').next().unwrap_or(operand).to_ascii_lowercase();
    last == "wg" || last.ends_with("wg") || last.contains("waitgroup")
}

/// A `context.Context` argument: typed so, named `ctx`, `context.Background()`/`TODO()`, or
/// `x.Context()`.
fn is_context(ctx: &RuleContext<'_, '_>, argument: Node<'_>) -> bool {
    let source: &str = &ctx.file.text;
    let argument = syntax::unparen(argument);
    if let Some(ty) = ctx.types.type_of(argument) {
        return ty == "context.Context";
    }
    match argument.kind_name() {
        "identifier" => syntax::text(argument, source) == "ctx",
        "call_expression" => match syntax::call_name(argument, source) {
            Some((Some("context"), "Background" | "TODO")) => true,
            Some((Some(_), "Context")) => syntax::call_arguments(argument).is_empty(),
            _ => false,
        },
        _ => false,
    }
}

/// Longest chain of calls believed: beyond it, a "may block" summary is usually a rare path
/// (an error report, a slow path of an allocator) rather than what the call does.
const MAX_HOPS: usize = 4;

/// "`s.save(...)`, which calls (*Store).flush, which calls os.WriteFile" for a call to one of
/// the module's own functions whose summary says it may block through a believable chain: at
/// most [`MAX_HOPS`] calls, none of them into the machinery that implements blocking itself
/// (`runtime`, `reflect`, `syscall`, the standard library's `internal/` packages), which only
/// shows up when the standard library is the module being linted.
fn project_chain(
    ctx: &RuleContext<'_, '_>,
    func: &crate::engine::facts::module::Func,
    callee: &str,
    from: Option<u32>,
) -> Option<String> {
    let project = ctx.project?;
    let reason = func.may_block()?;
    let (hops, cause) = block_chain(project, reason);
    // Channel operations deep in a helper are usually a designed hand-off (a send on a buffered
    // channel, a nil `done` channel on this path); I/O and waits are what the chain is for.
    match cause {
        BlockCause::Stdlib(_) => {}
        BlockCause::ContextCall(callee) if !derives_context(last_name(callee)) => {}
        _ => return None,
    }
    let machinery = |path: &str| {
        matches!(path, "runtime" | "reflect" | "syscall" | "unsafe")
            || path.starts_with("runtime/")
            || path.starts_with("internal/")
    };
    if hops.len() > MAX_HOPS || hops.iter().any(|(path, _)| machinery(path)) {
        return None;
    }
    let chain = project.describe_block(reason, from);
    Some(format!("`{callee}(...)`, which {chain}"))
}

/// The functions a "may block" reason passes through (package path, display name), and the
/// reason at the end of the chain.
fn block_chain<'p>(
    project: &'p ProjectFacts,
    reason: &'p crate::engine::facts::module::BlockReason,
) -> (Vec<(&'p str, String)>, &'p crate::engine::facts::module::BlockCause) {
    let mut hops = Vec::new();
    let mut current = reason;
    for _ in 0..32 {
        let BlockCause::Calls(callee) = &current.cause else { break };
        let Some((package, func)) = project.func_with_package(*callee) else { break };
        hops.push((package.type_path(), func.display_name(package, None)));
        match func.may_block() {
            Some(next) => current = next,
            None => break,
        }
    }
    (hops, &current.cause)
}

/// The last name of a channel expression: `ch`, `s.out` → `out`, `l.queue[0]` → `queue`.
fn last_name(expression: &str) -> &str {
    let expression = expression.split('[').next().unwrap_or(expression);
    expression.rsplit('.').next().unwrap_or(expression).trim()
}

/// A channel of this name is made with a buffer somewhere in the file (`out: make(chan T, 1)`,
/// `s.out = make(chan T, n)`, `out := make(chan T, 16)`, or a local made so and then stored,
/// `ch := make(chan T, 1); w := waiter{dest: ch}`): a send on it is usually designed not to
/// wait (a single result, a wake-up signal), so it is left alone.
fn made_buffered(root: Node<'_>, source: &str, channel: &str) -> bool {
    let name = last_name(channel);
    if name.is_empty() {
        return false;
    }
    // The buffered makes first: a stored local matters only when it is one of them, so the
    // second walk looks at few identifiers (each `make_target` reads a few parents up).
    let buffered: Vec<&str> = syntax::descendants(root)
        .filter(|node| node.kind_name() == "call_expression")
        .filter_map(|node| {
            let capacity = syntax::make_chan(node, source)?.1?;
            (syntax::text(capacity, source).trim() != "0").then(|| make_target(node, source))?
        })
        .map(last_name)
        .collect();
    if buffered.contains(&name) {
        return true;
    }
    !buffered.is_empty()
        && syntax::descendants(root).any(|node| {
            node.kind_name() == "identifier"
                && buffered.contains(&syntax::text(node, source))
                && make_target(node, source).is_some_and(|target| last_name(target) == name)
        })
}

/// The name a `make(...)` call or a stored local is assigned to: the key of a keyed element,
/// the matching name on the left of `:=`/`=`, or a `var` spec's name.
fn make_target<'s>(make: Node<'_>, source: &'s str) -> Option<&'s str> {
    let mut ancestors = syntax::ancestors(make);
    let mut value = make;
    let mut parent = ancestors.next()?;
    while matches!(parent.kind_name(), "parenthesized_expression" | "literal_element") {
        value = parent;
        parent = ancestors.next()?;
    }
    match parent.kind_name() {
        "keyed_element" => {
            let key = parent.named_child(0)?;
            (key != value).then(|| syntax::text(key, source))
        }
        "expression_list" => {
            let index = syntax::named_children(parent).iter().position(|child| *child == value)?;
            let statement = ancestors.next()?;
            let left = statement.field_child("left").or_else(|| statement.field_child("name"))?;
            let targets = if left.kind_name() == "expression_list" { syntax::named_children(left) } else { vec![left] };
            targets.get(index).map(|target| syntax::text(*target, source))
        }
        "var_spec" => parent.field_child("name").map(|name| syntax::text(name, source)),
        _ => None,
    }
}

/// Calls that take a context only to read it or derive a new one: the blocking table's
/// accessors, plus constructors such as gRPC's `metadata.NewOutgoingContext` and
/// `AppendToOutgoingContext`.
fn derives_context(name: &str) -> bool {
    blocking::is_context_accessor(name)
        || (name.ends_with("Context") && ["New", "Append", "Set", "To"].iter().any(|prefix| name.starts_with(prefix)))
        || builds_or_logs(name)
}

/// Calls that take a context to build a value or to log, not to wait (issue 9): constructors
/// (`NewClient(ctx, ...)`, `newSession(ctx)`), logger getters (`log.G(ctx)`, `log.L(ctx)`,
/// `zerolog.Ctx(ctx)`, `logger.FromContext`), span and context helpers, and logging methods
/// (`logger.Info(ctx, ...)`, `lg.Debugf(ctx, ...)`).
fn builds_or_logs(name: &str) -> bool {
    const LOG_LEVELS: &[&str] = &["Debug", "Info", "Warn", "Warning", "Error", "Log", "Trace", "Print", "Notice"];
    let constructor =
        ["New", "new"].iter().any(|prefix| name.strip_prefix(prefix).is_some_and(|rest| !rest.starts_with(char::is_lowercase)));
    let logger = matches!(name, "G" | "L" | "Logger" | "GetLogger" | "Log" | "Span" | "StartSpan" | "Tracer")
        || name.starts_with("Logger")
        || name.ends_with("Logger");
    let logging = LOG_LEVELS.iter().any(|level| {
        name.strip_prefix(level).is_some_and(|rest| matches!(rest, "" | "f" | "w" | "ln" | "Context" | "Ctx" | "fCtx" | "wCtx"))
    });
    constructor || logger || logging
}

/// `f` is a local variable holding a function literal (`waitOnCond := func(ctx ...) {...}`):
/// its body is in sight, so the "takes a context, may block" convention for opaque callees
/// does not apply.
fn local_func_literal(ancestry: &syntax::Ancestry<'_>, call: Node<'_>, name: &str, source: &str) -> bool {
    let Some(scope) =
        ancestry.enclosing_functions(call).next().and_then(|function| ancestry.top_level_declaration(function))
    else {
        return false;
    };
    syntax::bindings_of(scope, name, source)
        .iter()
        .any(|binding| binding.value.is_some_and(|value| syntax::unparen(value).kind_name() == "func_literal"))
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;
    use crate::diagnostic::Severity;
    use crate::lint::lint_text;

    fn findings(name: &str, body: &str) -> Vec<(Severity, String)> {
        let source = format!(
            "package p\n\nimport (\n\t\"os\"\n\t\"sync\"\n)\n\ntype S struct {{\n\tmu    sync.Mutex\n\tpath  string\n\tcache map[string][]byte\n}}\n\n{body}\n"
        );
        let findings = lint_text(name, &source, &Settings::only(&["lock-across-io"])).expect("lints");
        findings
            .iter()
            .filter(|finding| finding.rule == "lock-across-io")
            .map(|finding| (finding.severity, finding.message.clone()))
            .collect()
    }

    fn serialised(name: &str, body: &str) -> Vec<bool> {
        findings(name, body).iter().map(|(_, message)| message.ends_with("the lock appears to serialise this I/O")).collect()
    }

    const GUARDS_CACHE: &str = "func (s *S) Load(k string) []byte {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\tdata, _ := os.ReadFile(k)\n\ts.cache[k] = data\n\treturn data\n}";
    const SERIALISES_WRITE: &str =
        "func (s *S) Save(b []byte) error {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\treturn os.WriteFile(s.path, b, 0o600)\n}";
    const WRITE_AND_STATE: &str = "func (s *S) Put(k string, b []byte) error {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\ts.cache[k] = b\n\treturn os.WriteFile(s.path, b, 0o600)\n}";

    #[test]
    fn a_lock_guarding_other_state_across_io_is_not_serialisation() {
        assert_eq!(serialised("store.go", GUARDS_CACHE), [false]);
        assert_eq!(serialised("store.go", WRITE_AND_STATE), [false]);
    }

    #[test]
    fn a_lock_serialising_its_owners_io_says_so() {
        assert_eq!(serialised("store.go", SERIALISES_WRITE), [true]);
    }

    #[test]
    fn information_by_default_and_in_tests() {
        assert_eq!(findings("store.go", GUARDS_CACHE).iter().map(|(s, _)| *s).collect::<Vec<_>>(), [Severity::Info]);
        assert_eq!(findings("store_test.go", GUARDS_CACHE).iter().map(|(s, _)| *s).collect::<Vec<_>>(), [Severity::Info]);
    }
}
