//! `golint-guard server`: the Language Server Protocol over stdio.
//!
//! Built on `lsp-server` and `lsp-types`, synchronously, as ruff's server was: one thread owns
//! the documents, the facts and the parser, and handles one message at a time. A file lints in
//! milliseconds, so nothing needs to run concurrently with the editor's next message; the
//! module pre-pass runs on rayon's pool, as in `check`.
//!
//! - Diagnostics come from the unsaved buffer on open and on every change, debounced on the
//!   leading edge: a change after a pause of `debounceMs` (from `initializationOptions`) is
//!   linted as soon as the messages already queued are read; one that follows the last within
//!   `debounceMs` (a burst: a paste, a rename, a formatter's edits) waits until the changes
//!   stop for that long.
//! - Each workspace folder (or, for a file outside every folder, its module) gets the module
//!   pre-pass once, when its first file opens; a changed buffer, or a file changed on disk,
//!   rebuilds the facts of its own directory's packages only ([`ProjectFacts::rebuild_dir`]).
//! - Settings follow `check`: the nearest `golint-guard.toml` walking up from the file,
//!   reloaded when a watched config file changes. A file its `exclude` names is treated as
//!   `check ./...` treats it: no diagnostics, and not in the package facts.
//! - A panic while handling a message is caught: a request gets an error answer, and the
//!   server goes on.

mod actions;
pub mod convert;

use crate::app::AppError;
use crate::config::{self, Settings};
use crate::diagnostic::{Finding, sort_findings};
use crate::discover::{self, Module, ModuleIndex, Target};
use crate::engine::facts::module::ProjectFacts;
use crate::engine::{Engine, Worker};
use crate::source::SourceFile;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The command that applies every safe fix of a document (`arguments: [uri]`), through
/// `workspace/applyEdit`.
pub const APPLY_FIXES_COMMAND: &str = "golint-guard.applyFixes";

/// How long a change waits for a newer one before it is linted, unless the client says.
const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(10);

/// How long the other open files wait, after a change rebuilt some facts, before they are
/// linted again (each further change restarts the wait).
const OTHER_FILES_DELAY: Duration = Duration::from_millis(300);

/// Set (to anything) to make the `golint-guard.panicForTest` command panic: the integration
/// tests use it to check that a panic is answered with an error and the server goes on.
const TEST_PANIC_ENV: &str = "GOLINT_GUARD_SERVER_TEST_PANIC";
const TEST_PANIC_COMMAND: &str = "golint-guard.panicForTest";

/// Run the server on stdin/stdout until the client says `exit`.
pub fn run() -> Result<u8, AppError> {
    let (connection, io_threads) = Connection::stdio();
    let code = serve(connection)?;
    io_threads.join().map_err(|err| AppError(format!("server I/O failed: {err}")))?;
    Ok(code)
}

/// Serve one connection: the handshake, then messages until `exit`. The exit status is 0 when
/// `shutdown` came first, 1 otherwise (as the protocol asks).
pub fn serve(connection: Connection) -> Result<u8, AppError> {
    let (id, params) = connection.initialize_start().map_err(|err| AppError(format!("LSP handshake: {err}")))?;
    let params: lsp::InitializeParams =
        serde_json::from_value(params).map_err(|err| AppError(format!("bad initialize params: {err}")))?;
    let result = lsp::InitializeResult {
        capabilities: capabilities(),
        server_info: Some(lsp::ServerInfo {
            name: "golint-guard".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    let result = serde_json::to_value(result).map_err(|err| AppError(err.to_string()))?;
    connection.initialize_finish(id, result).map_err(|err| AppError(format!("LSP handshake: {err}")))?;
    let mut server = Server::new(connection, &params);
    // `initialize_finish` has taken the `initialized` notification: the client is ready for
    // our requests now.
    server.register_watchers();
    Ok(server.main_loop())
}

fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        position_encoding: Some(lsp::PositionEncodingKind::UTF16),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(lsp::TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(lsp::TextDocumentSyncKind::FULL),
            ..lsp::TextDocumentSyncOptions::default()
        })),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(lsp::CodeActionOptions {
            code_action_kinds: Some(vec![
                lsp::CodeActionKind::QUICKFIX,
                lsp::CodeActionKind::from(actions::FIX_ALL_KIND.to_string()),
            ]),
            ..lsp::CodeActionOptions::default()
        })),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        execute_command_provider: Some(lsp::ExecuteCommandOptions {
            commands: vec![APPLY_FIXES_COMMAND.to_string()],
            ..lsp::ExecuteCommandOptions::default()
        }),
        workspace: Some(lsp::WorkspaceServerCapabilities {
            workspace_folders: Some(lsp::WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(lsp::OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..lsp::ServerCapabilities::default()
    }
}

/// An open document and what was last reported for it.
struct Document {
    uri: lsp::Uri,
    path: PathBuf,
    version: i32,
    source: SourceFile,
    /// The syntax tree of the last lint, edited along with the text since: the next lint
    /// reparses from it.
    tree: Option<tree_sitter::Tree>,
    findings: Vec<Finding>,
    /// The buffer differs from what the facts were built from.
    facts_stale: bool,
    /// When the last change came: the next one within the debounce is part of a burst.
    last_change: Option<Instant>,
}

/// A workspace folder (or a module outside every folder) and its module pre-pass.
struct Workspace {
    modules: Vec<Module>,
    module_index: ModuleIndex,
    facts: Arc<ProjectFacts>,
}

/// Settings from one config file (or none) and the engine compiled for them.
struct Profile {
    settings: Settings,
    engine: Engine,
}

struct Server {
    connection: Connection,
    /// Workspace folder roots, absolute and clean.
    folders: Vec<PathBuf>,
    /// Built workspaces by root.
    workspaces: BTreeMap<PathBuf, Workspace>,
    documents: HashMap<String, Document>,
    profiles: HashMap<Option<PathBuf>, Profile>,
    /// Each linted directory's config file (the key of its profile in `profiles`): resolving it
    /// walks up and reads the config, too slow to repeat on every keystroke. Cleared with
    /// `profiles` when a config file changes.
    profile_of_dir: HashMap<PathBuf, Option<PathBuf>>,
    /// Documents changed and waiting to be linted, with when they may be.
    pending: HashMap<String, Instant>,
    debounce: Duration,
    worker: Worker,
    watch_files: bool,
    shutdown_requested: bool,
    next_request: i32,
    /// Shared by engines between lints, so the workspace's facts have one owner to update them.
    no_facts: Arc<ProjectFacts>,
}

/// A request handler's failure, answered as a JSON-RPC error.
struct Failure {
    code: ErrorCode,
    message: String,
}

impl Failure {
    fn invalid_params(message: impl Into<String>) -> Failure {
        Failure { code: ErrorCode::InvalidParams, message: message.into() }
    }
}

impl Server {
    fn new(connection: Connection, params: &lsp::InitializeParams) -> Server {
        let mut folders: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|folder| convert::uri_to_path(folder.uri.as_str()))
            .collect();
        #[allow(deprecated)] // `rootUri` is what older clients (Neovim 0.7) send.
        if folders.is_empty()
            && let Some(root) = params.root_uri.as_ref().and_then(|uri| convert::uri_to_path(uri.as_str()))
        {
            folders.push(root);
        }
        let folders = folders.iter().map(|folder| clean(folder)).collect();
        let debounce = params
            .initialization_options
            .as_ref()
            .and_then(|options| options.get("debounceMs"))
            .and_then(Value::as_u64)
            .map_or(DEFAULT_DEBOUNCE, Duration::from_millis);
        let watch_files = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|workspace| workspace.did_change_watched_files.as_ref())
            .and_then(|watched| watched.dynamic_registration)
            .unwrap_or(false);
        Server {
            connection,
            folders,
            workspaces: BTreeMap::new(),
            documents: HashMap::new(),
            profiles: HashMap::new(),
            profile_of_dir: HashMap::new(),
            pending: HashMap::new(),
            debounce,
            worker: Worker::default(),
            watch_files,
            shutdown_requested: false,
            next_request: 0,
            no_facts: Arc::new(ProjectFacts::default()),
        }
    }

    fn main_loop(&mut self) -> u8 {
        loop {
            let message = match self.pending.values().min().copied() {
                Some(deadline) => {
                    match self.connection.receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                        Ok(message) => Some(message),
                        Err(crossbeam_channel::RecvTimeoutError::Timeout) => None,
                        Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return 1,
                    }
                }
                None => match self.connection.receiver.recv() {
                    Ok(message) => Some(message),
                    Err(_) => return 1,
                },
            };
            let Some(message) = message else {
                self.lint_due();
                continue;
            };
            if let Message::Notification(notification) = &message
                && notification.method == lsp::notification::Exit::METHOD
            {
                return if self.shutdown_requested { 0 } else { 1 };
            }
            self.dispatch(message);
        }
    }

    /// Handle one message, catching a panic so that one bad request never stops the server.
    fn dispatch(&mut self, message: Message) {
        match message {
            Message::Request(request) => {
                let id = request.id.clone();
                let method = request.method.clone();
                let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| self.handle_request(request)));
                let response = match outcome {
                    Ok(Ok(result)) => Response::new_ok(id, result),
                    Ok(Err(failure)) => {
                        self.log(lsp::MessageType::WARNING, &format!("{method}: {}", failure.message));
                        Response::new_err(id, failure.code as i32, failure.message)
                    }
                    Err(panic) => {
                        let message = format!("golint-guard panicked while handling {method}: {}", panic_text(&*panic));
                        self.log(lsp::MessageType::ERROR, &message);
                        Response::new_err(id, ErrorCode::InternalError as i32, message)
                    }
                };
                self.send(Message::Response(response));
            }
            Message::Notification(notification) => {
                let method = notification.method.clone();
                let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| self.handle_notification(notification)));
                match outcome {
                    Ok(Ok(())) => {}
                    Ok(Err(failure)) => self.log(lsp::MessageType::WARNING, &format!("{method}: {}", failure.message)),
                    Err(panic) => self.log(
                        lsp::MessageType::ERROR,
                        &format!("golint-guard panicked while handling {method}: {}", panic_text(&*panic)),
                    ),
                }
            }
            // Answers to our own requests (registerCapability, applyEdit) need no follow-up.
            Message::Response(_) => {}
        }
    }

    fn handle_request(&mut self, request: Request) -> Result<Value, Failure> {
        if self.shutdown_requested {
            return Err(Failure { code: ErrorCode::InvalidRequest, message: "the server is shutting down".into() });
        }
        match request.method.as_str() {
            lsp::request::Shutdown::METHOD => {
                self.shutdown_requested = true;
                Ok(Value::Null)
            }
            lsp::request::CodeActionRequest::METHOD => to_value(self.code_actions(params(request.params)?)),
            lsp::request::HoverRequest::METHOD => to_value(self.hover(params(request.params)?)),
            lsp::request::ExecuteCommand::METHOD => self.execute_command(params(request.params)?),
            method => {
                Err(Failure { code: ErrorCode::MethodNotFound, message: format!("unsupported request {method}") })
            }
        }
    }

    fn handle_notification(&mut self, notification: Notification) -> Result<(), Failure> {
        use lsp::notification as n;
        match notification.method.as_str() {
            n::DidOpenTextDocument::METHOD => {
                let params: lsp::DidOpenTextDocumentParams = params(notification.params)?;
                self.open(params.text_document)?;
            }
            n::DidChangeTextDocument::METHOD => {
                let params: lsp::DidChangeTextDocumentParams = params(notification.params)?;
                self.change(params)?;
            }
            n::DidCloseTextDocument::METHOD => {
                let params: lsp::DidCloseTextDocumentParams = params(notification.params)?;
                self.close(&params.text_document.uri);
            }
            n::DidChangeWatchedFiles::METHOD => {
                let params: lsp::DidChangeWatchedFilesParams = params(notification.params)?;
                self.files_changed(&params.changes);
            }
            n::DidChangeWorkspaceFolders::METHOD => {
                let params: lsp::DidChangeWorkspaceFoldersParams = params(notification.params)?;
                self.folders_changed(&params.event);
            }
            // Saving changes nothing: the buffer was linted already. Other notifications
            // (`$/cancelRequest`, `$/setTrace`, configuration) need nothing either.
            _ => {}
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Documents

    fn open(&mut self, document: lsp::TextDocumentItem) -> Result<(), Failure> {
        let key = document.uri.as_str().to_string();
        let path = convert::uri_to_path(document.uri.as_str())
            .ok_or_else(|| Failure::invalid_params(format!("not a file URI: {}", document.uri.as_str())))?;
        let path = clean(&path);
        let on_disk = crate::source::read_regular_file(&path).ok();
        let facts_stale = on_disk.as_deref() != Some(document.text.as_bytes());
        let source = SourceFile::new(path.clone(), path.clone(), document.text);
        self.documents.insert(
            key.clone(),
            Document {
                uri: document.uri,
                path,
                version: document.version,
                source,
                tree: None,
                findings: Vec::new(),
                facts_stale,
                last_change: None,
            },
        );
        // The first diagnostics come at once; only changes wait for the debounce.
        self.lint_now(&key);
        Ok(())
    }

    fn change(&mut self, params: lsp::DidChangeTextDocumentParams) -> Result<(), Failure> {
        let key = params.text_document.uri.as_str().to_string();
        let document = self
            .documents
            .get_mut(&key)
            .ok_or_else(|| Failure::invalid_params(format!("didChange for a document not open: {key}")))?;
        let mut text = document.source.text.to_string();
        for change in params.content_changes {
            match change.range {
                // Full sync is what we ask for; a client that sends ranges anyway is still served.
                Some(range) => {
                    let current = SourceFile::new(document.path.clone(), document.path.clone(), text.clone());
                    let start = convert::offset(&current, range.start);
                    let end = convert::offset(&current, range.end).max(start);
                    text.replace_range(start..end, &change.text);
                }
                None => text = change.text,
            }
        }
        // The tree follows the text, so the next lint reparses only around the edit: one span,
        // from the first byte the changes touched to the last.
        if let Some(tree) = document.tree.as_mut()
            && let Some(edit) = crate::parse::text_edit(&document.source.text, &text)
        {
            tree.edit(&edit);
        }
        document.source = SourceFile::new(document.path.clone(), document.path.clone(), text);
        document.version = params.text_document.version;
        document.facts_stale = true;
        // A keystroke after a pause is linted now (after the changes already queued, which
        // `main_loop` reads first): waiting would only add the debounce to what the user sees.
        let now = Instant::now();
        let in_burst = document.last_change.is_some_and(|last| now.duration_since(last) < self.debounce);
        document.last_change = Some(now);
        self.pending.insert(key, if in_burst { now + self.debounce } else { now });
        Ok(())
    }

    fn close(&mut self, uri: &lsp::Uri) {
        let key = uri.as_str().to_string();
        self.pending.remove(&key);
        if let Some(document) = self.documents.remove(&key) {
            // Unsaved text the facts were built from goes with the buffer: back to the disk's.
            let on_disk = crate::source::read_regular_file(&document.path).ok();
            if on_disk.as_deref() != Some(document.source.text.as_bytes())
                && let Some(dir) = document.path.parent()
                && self.workspaces.keys().any(|root| document.path.starts_with(root))
            {
                self.rebuild_dir_facts(&document.path, dir);
            }
        }
        self.publish(uri.clone(), Vec::new(), None);
    }

    /// Lint every document whose debounce has run out.
    fn lint_due(&mut self) {
        let now = Instant::now();
        let due: Vec<String> = self.pending.iter().filter(|(_, at)| **at <= now).map(|(key, _)| key.clone()).collect();
        for key in due {
            self.lint_now(&key);
        }
    }

    /// Lint a document now (and drop it from the pending ones), catching a panic so that one
    /// file that trips a rule does not stop the server.
    fn lint_now(&mut self, key: &str) {
        self.pending.remove(key);
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| self.lint_document(key)));
        // A panic may leave the worker mid-lint: other lints (fixes) must parse afresh.
        (self.worker.keep_tree, self.worker.tree) = (false, None);
        if let Err(panic) = outcome {
            self.log(lsp::MessageType::ERROR, &format!("golint-guard panicked linting {key}: {}", panic_text(&*panic)));
        }
    }

    fn lint_document(&mut self, key: &str) {
        let Some(document) = self.documents.get(key) else { return };
        // A client may send other files of the project (go.mod, templates) to every server.
        if document.path.extension().is_none_or(|extension| extension != "go") {
            return;
        }
        let path = document.path.clone();
        let dir = path.parent().map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
        let root = self.ensure_workspace(&path);
        if self.documents.get(key).is_some_and(|document| document.facts_stale) {
            self.rebuild_dir_facts(&path, &dir);
            // Linted right here, not again.
            self.pending.remove(key);
        }
        let Some(document) = self.documents.get_mut(key) else { return };
        let source = document.source.clone();
        let (uri, version) = (document.uri.clone(), document.version);
        let tree = document.tree.take();
        let (findings, tree) = match self.profile_for(&dir) {
            Ok(profile_key) => self.lint_source(&root, &profile_key, &source, tree),
            Err(message) => {
                self.log(lsp::MessageType::ERROR, &message);
                (Vec::new(), tree)
            }
        };
        if let Some(document) = self.documents.get_mut(key) {
            document.findings.clone_from(&findings);
            document.tree = tree;
        }
        let diagnostics = findings.iter().map(|finding| convert::diagnostic(&source, &uri, finding)).collect();
        self.publish(uri, diagnostics, Some(version));
    }

    /// The findings for `source`, as `check` would give them for this file: the same rules,
    /// settings, facts, suppressions and order. `tree` is the document's last tree, edited to
    /// `source`; the new one comes back with the findings.
    fn lint_source(
        &mut self,
        root: &Path,
        profile_key: &Option<PathBuf>,
        source: &SourceFile,
        tree: Option<tree_sitter::Tree>,
    ) -> (Vec<Finding>, Option<tree_sitter::Tree>) {
        // `check ./...` skips generated files and files no build includes; so does the editor.
        if discover::is_generated(&source.text)
            || crate::engine::facts::version::excluded_by_build_constraint(&source.text)
        {
            return (Vec::new(), tree);
        }
        let Some(workspace) = self.workspaces.get(root) else { return (Vec::new(), tree) };
        let Some(profile) = self.profiles.get_mut(profile_key) else { return (Vec::new(), tree) };
        // `check ./...` does not lint a file its config excludes, so the editor shows nothing.
        if profile.settings.is_excluded(&source.path) {
            return (Vec::new(), tree);
        }
        let module = workspace.module_index.facts_for(&source.path);
        profile.engine.set_project(workspace.facts.clone());
        (self.worker.keep_tree, self.worker.tree) = (true, tree);
        let mut findings =
            crate::lint::lint_source(&profile.engine, &mut self.worker, &profile.settings, source, module);
        self.worker.keep_tree = false;
        let tree = self.worker.tree.take();
        profile.engine.set_project(self.no_facts.clone());
        findings.retain(|finding| profile.settings.rule_enabled(&finding.rule));
        sort_findings(&mut findings);
        (findings, tree)
    }

    fn publish(&self, uri: lsp::Uri, diagnostics: Vec<lsp::Diagnostic>, version: Option<i32>) {
        let params = lsp::PublishDiagnosticsParams { uri, diagnostics, version };
        self.notify(lsp::notification::PublishDiagnostics::METHOD, params);
    }

    /// Bring a pending document up to date before answering about it.
    fn settle(&mut self, key: &str) {
        if self.pending.contains_key(key) {
            self.lint_now(key);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Workspaces, facts and settings

    /// The root of the workspace that holds `path`, building its facts the first time.
    fn ensure_workspace(&mut self, path: &Path) -> PathBuf {
        let root = self
            .folders
            .iter()
            .filter(|folder| path.starts_with(folder))
            .max_by_key(|folder| folder.components().count())
            .cloned()
            .unwrap_or_else(|| standalone_root(path));
        if !self.workspaces.contains_key(&root) {
            let started = Instant::now();
            let workspace = self.build_workspace(&root);
            self.log(
                lsp::MessageType::INFO,
                &format!(
                    "module pre-pass for {}: {} files, {} packages in {} ms",
                    root.display(),
                    workspace.facts.stats().files_scanned,
                    workspace.facts.stats().packages,
                    started.elapsed().as_millis()
                ),
            );
            self.workspaces.insert(root.clone(), workspace);
        }
        root
    }

    fn build_workspace(&mut self, root: &Path) -> Workspace {
        let settings = config::resolve_for_dir(root).1.unwrap_or_default();
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let discovery =
            discover::discover(&[Target::Tree(root.to_path_buf())], threads, &|path| settings.is_excluded(path));
        let mut facts = ProjectFacts::from_discovery(&discovery, 0);
        // Unsaved buffers count from the start: rebuild their directories over the disk's text.
        let overlay = self.overlay();
        let mut stale_dirs: Vec<PathBuf> = self
            .documents
            .values()
            .filter(|document| document.facts_stale && document.path.starts_with(root))
            .filter_map(|document| document.path.parent().map(Path::to_path_buf))
            .collect();
        stale_dirs.sort();
        stale_dirs.dedup();
        for dir in &stale_dirs {
            let files = self.package_files(dir, &overlay);
            facts.rebuild_dir(dir, &files, &discovery.modules, &|path| read_through(&overlay, path));
        }
        for document in self.documents.values_mut().filter(|document| document.path.starts_with(root)) {
            document.facts_stale = false;
        }
        Workspace { module_index: ModuleIndex::new(&discovery), modules: discovery.modules, facts: Arc::new(facts) }
    }

    /// Rebuild the facts of `dir`'s packages (in the workspace of `path`) from the open buffers
    /// and the disk.
    fn rebuild_dir_facts(&mut self, path: &Path, dir: &Path) {
        let root = self.ensure_workspace(path);
        let overlay = self.overlay();
        let files = self.package_files(dir, &overlay);
        let Some(workspace) = self.workspaces.get_mut(&root) else { return };
        match Arc::get_mut(&mut workspace.facts) {
            Some(facts) => facts.rebuild_dir(dir, &files, &workspace.modules, &|path| read_through(&overlay, path)),
            // Engines drop their reference after each lint, so this is a bug; keep the old facts.
            None => return,
        }
        // The other open files may read these facts: lint them again once the typing pauses
        // (relinting them on every keystroke would double its cost with one more file open
        // in the package). A buffer of this directory with its own change waiting is due as
        // that change is; the rebuild has read its text.
        let now = Instant::now();
        for (key, document) in &mut self.documents {
            if !document.path.starts_with(&root) {
                continue;
            }
            let own_change = document.path.parent() == Some(dir) && std::mem::take(&mut document.facts_stale);
            self.pending.insert(key.clone(), now + if own_change { self.debounce } else { OTHER_FILES_DELAY });
        }
    }

    /// The Go files of package directory `dir` that the facts are built from: those on disk and
    /// the open buffers, less those the directory's config excludes (as the pre-pass's
    /// discovery leaves them out).
    fn package_files(&mut self, dir: &Path, overlay: &HashMap<PathBuf, Arc<str>>) -> Vec<PathBuf> {
        let mut files = dir_files(dir, overlay);
        if let Ok(profile_key) = self.profile_for(dir)
            && let Some(profile) = self.profiles.get(&profile_key)
        {
            files.retain(|file| !profile.settings.is_excluded(file));
        }
        files
    }

    /// The open documents' text by path.
    fn overlay(&self) -> HashMap<PathBuf, Arc<str>> {
        self.documents.values().map(|document| (document.path.clone(), document.source.text.clone())).collect()
    }

    /// The profile (settings and engine) for files in `dir`, loading its config the first time.
    fn profile_for(&mut self, dir: &Path) -> Result<Option<PathBuf>, String> {
        if let Some(config_path) = self.profile_of_dir.get(dir) {
            return Ok(config_path.clone());
        }
        let (config_path, settings) = config::resolve_for_dir(dir);
        if !self.profiles.contains_key(&config_path) {
            // A config with errors is not remembered: it is read again on the next lint.
            let settings = settings.map_err(|err| err.to_string())?;
            let engine = Engine::new(&settings.enabled_rules()).map_err(|err| format!("internal error: {err}"))?;
            self.profiles.insert(config_path.clone(), Profile { settings, engine });
        }
        self.profile_of_dir.insert(dir.to_path_buf(), config_path.clone());
        Ok(config_path)
    }

    fn files_changed(&mut self, changes: &[lsp::FileEvent]) {
        let mut relint = false;
        for change in changes {
            let Some(path) = convert::uri_to_path(change.uri.as_str()).map(|path| clean(&path)) else { continue };
            let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("");
            if name == config::CONFIG_FILE_NAME {
                // Settings are reloaded on the next lint; excludes change what the pre-pass saw.
                self.profiles.clear();
                self.profile_of_dir.clear();
                self.workspaces.clear();
                relint = true;
            } else if name == "go.mod" || name == "go.work" {
                // Module paths and Go versions changed: rebuild the workspaces that hold it.
                self.workspaces
                    .retain(|root, _| !path.starts_with(root) && !root.starts_with(path.parent().unwrap_or(root)));
                relint = true;
            } else if name.ends_with(".go") {
                let open = self.documents.values().any(|document| document.path == path);
                if !open && let Some(dir) = path.parent() {
                    let dir = dir.to_path_buf();
                    if self.workspaces.keys().any(|root| path.starts_with(root)) {
                        self.rebuild_dir_facts(&path, &dir);
                        relint = true;
                    }
                }
            }
        }
        if relint {
            let keys: Vec<String> = self.documents.keys().cloned().collect();
            for key in keys {
                self.lint_now(&key);
            }
        }
    }

    fn folders_changed(&mut self, event: &lsp::WorkspaceFoldersChangeEvent) {
        for removed in &event.removed {
            if let Some(path) = convert::uri_to_path(removed.uri.as_str()) {
                let path = clean(&path);
                self.folders.retain(|folder| *folder != path);
                self.workspaces.remove(&path);
            }
        }
        for added in &event.added {
            if let Some(path) = convert::uri_to_path(added.uri.as_str()) {
                self.folders.push(clean(&path));
            }
        }
        // Files may now belong to another workspace.
        self.workspaces.retain(|root, _| self.folders.contains(root));
        let keys: Vec<String> = self.documents.keys().cloned().collect();
        for key in keys {
            self.lint_now(&key);
        }
    }

    fn register_watchers(&mut self) {
        if !self.watch_files {
            return;
        }
        let watchers = ["**/golint-guard.toml", "**/go.mod", "**/go.work", "**/*.go"]
            .into_iter()
            .map(|glob| lsp::FileSystemWatcher { glob_pattern: lsp::GlobPattern::String(glob.to_string()), kind: None })
            .collect();
        let registration = lsp::Registration {
            id: "golint-guard-watch".to_string(),
            method: lsp::notification::DidChangeWatchedFiles::METHOD.to_string(),
            register_options: serde_json::to_value(lsp::DidChangeWatchedFilesRegistrationOptions { watchers }).ok(),
        };
        self.request(
            lsp::request::RegisterCapability::METHOD,
            lsp::RegistrationParams { registrations: vec![registration] },
        );
    }

    // -----------------------------------------------------------------------------------------
    // Code actions, hover, commands

    fn code_actions(&mut self, params: lsp::CodeActionParams) -> Result<Option<lsp::CodeActionResponse>, Failure> {
        let key = params.text_document.uri.as_str().to_string();
        self.settle(&key);
        let Some(document) = self.documents.get(&key) else { return Ok(None) };
        let only = params.context.only.as_deref();
        let tree = crate::parse::parse(&mut self.worker.parser, &document.source);
        let fixable = tree.as_ref().is_some_and(|tree| !tree.root_node().has_error());
        let mut response = Vec::new();
        if actions::wanted(only, lsp::CodeActionKind::QUICKFIX.as_str()) {
            response.extend(actions::quick_fixes(
                &document.source,
                &document.findings,
                &document.uri,
                &params.range,
                fixable,
                tree.as_ref(),
            ));
        }
        let has_safe_fix = document.findings.iter().any(|finding| {
            finding.fix.as_ref().is_some_and(|fix| fix.applicability == crate::diagnostic::Applicability::Safe)
        });
        if fixable && has_safe_fix && actions::wanted(only, actions::FIX_ALL_KIND) {
            let uri = document.uri.clone();
            if let Some(edit) = self.fix_all_edit(&key) {
                response.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title: "Fix all safe golint-guard findings in this file".to_string(),
                    kind: Some(lsp::CodeActionKind::from(actions::FIX_ALL_KIND.to_string())),
                    edit: Some(actions::workspace_edit(&uri, vec![edit])),
                    ..lsp::CodeAction::default()
                }));
            }
        }
        Ok(Some(response))
    }

    /// One edit applying every safe fix of the document, as `check --fix` would (rounds until
    /// no fix applies, none that breaks the syntax). `None` when nothing changes.
    fn fix_all_edit(&mut self, key: &str) -> Option<lsp::TextEdit> {
        let document = self.documents.get(key)?;
        let source = document.source.clone();
        let dir = document.path.parent()?.to_path_buf();
        let root = self.ensure_workspace(&source.path);
        let profile_key = self.profile_for(&dir).ok()?;
        let workspace = self.workspaces.get(&root)?;
        let profile = self.profiles.get_mut(&profile_key)?;
        if profile.settings.is_excluded(&source.path) {
            return None;
        }
        let module = workspace.module_index.facts_for(&source.path);
        profile.engine.set_project(workspace.facts.clone());
        let fixed =
            crate::fix::fix_source(&profile.engine, &mut self.worker, &profile.settings, &source, module, false);
        profile.engine.set_project(self.no_facts.clone());
        if fixed.text == *source.text {
            return None;
        }
        let edit = convert::minimal_edit(&source.text, &fixed.text);
        Some(lsp::TextEdit { range: convert::range(&source, edit.span), new_text: edit.content })
    }

    fn hover(&mut self, params: lsp::HoverParams) -> Result<Option<lsp::Hover>, Failure> {
        let key = params.text_document_position_params.text_document.uri.as_str().to_string();
        self.settle(&key);
        let Some(document) = self.documents.get(&key) else { return Ok(None) };
        Ok(actions::hover(&document.source, &document.findings, params.text_document_position_params.position))
    }

    fn execute_command(&mut self, params: lsp::ExecuteCommandParams) -> Result<Value, Failure> {
        match params.command.as_str() {
            APPLY_FIXES_COMMAND => {
                let uri = params
                    .arguments
                    .first()
                    .and_then(Value::as_str)
                    .ok_or_else(|| Failure::invalid_params(format!("{APPLY_FIXES_COMMAND} takes the document's URI")))?
                    .to_string();
                self.settle(&uri);
                let document =
                    self.documents.get(&uri).ok_or_else(|| Failure::invalid_params(format!("not open: {uri}")))?;
                let lsp_uri = document.uri.clone();
                if let Some(edit) = self.fix_all_edit(&uri) {
                    let params = lsp::ApplyWorkspaceEditParams {
                        label: Some("golint-guard: fix all safe findings".to_string()),
                        edit: actions::workspace_edit(&lsp_uri, vec![edit]),
                    };
                    self.request(lsp::request::ApplyWorkspaceEdit::METHOD, params);
                }
                Ok(Value::Null)
            }
            TEST_PANIC_COMMAND if std::env::var_os(TEST_PANIC_ENV).is_some() => {
                panic!("a panic asked for by {TEST_PANIC_COMMAND}")
            }
            other => Err(Failure::invalid_params(format!("unknown command {other}"))),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Sending

    fn send(&self, message: Message) {
        // A closed channel means the client is gone; the main loop ends on its own.
        let _ = self.connection.sender.send(message);
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) {
        self.send(Message::Notification(Notification::new(method.to_string(), params)));
    }

    fn request(&mut self, method: &str, params: impl serde::Serialize) {
        self.next_request += 1;
        let id = RequestId::from(format!("golint-guard-{}", self.next_request));
        self.send(Message::Request(Request::new(id, method.to_string(), params)));
    }

    fn log(&self, kind: lsp::MessageType, message: &str) {
        self.notify(
            lsp::notification::LogMessage::METHOD,
            lsp::LogMessageParams { typ: kind, message: message.to_string() },
        );
    }
}

fn to_value<T: serde::Serialize>(value: Result<T, Failure>) -> Result<Value, Failure> {
    value.map(|value| serde_json::to_value(value).unwrap_or(Value::Null))
}

fn params<P: serde::de::DeserializeOwned>(value: Value) -> Result<P, Failure> {
    serde_json::from_value(value).map_err(|err| Failure::invalid_params(format!("bad params: {err}")))
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

/// An absolute path with `.` and `..` removed, as the facts key their files.
fn clean(path: &Path) -> PathBuf {
    crate::engine::facts::module::normalize(path)
}

/// A file outside every workspace folder is linted with its module: the directory of the
/// nearest `go.mod` above it, else its own directory.
fn standalone_root(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(path);
    dir.ancestors().find(|candidate| candidate.join("go.mod").is_file()).unwrap_or(dir).to_path_buf()
}

/// The Go files of a package directory: those on disk (as `./...` names them) and open
/// buffers not saved yet.
fn dir_files(dir: &Path, overlay: &HashMap<PathBuf, Arc<str>>) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.ends_with(".go") && !name.starts_with('.') && !name.starts_with('_')
        })
        .map(|entry| clean(&entry.path()))
        .collect();
    files.extend(overlay.keys().filter(|path| path.parent() == Some(dir)).cloned());
    files.sort();
    files.dedup();
    files
}

fn read_through(overlay: &HashMap<PathBuf, Arc<str>>, path: &Path) -> Option<Vec<u8>> {
    match overlay.get(path) {
        Some(text) => Some(text.as_bytes().to_vec()),
        None => crate::source::read_regular_file(path).ok(),
    }
}
