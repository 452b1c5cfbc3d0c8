//! `golint-guard server` driven over stdio as an editor drives it: the handshake, documents
//! opened and changed, code actions, a command, hovers, shutdown and exit. One test runs a real
//! client, Neovim headless (it must be installed: `.ci/run` installs it; the test fails, never
//! skips, without it).

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(60);

/// A language client speaking to one server process.
struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    /// Notifications and server requests seen while waiting for something else.
    backlog: Vec<Value>,
    next_id: i64,
}

impl Client {
    fn start(root: &Path, envs: &[(&str, &str)]) -> Client {
        Client::start_with(root, envs, json!({ "debounceMs": 5 }))
    }

    fn start_with(root: &Path, envs: &[(&str, &str)], options: Value) -> Client {
        let mut command = Command::new(env!("CARGO_BIN_EXE_golint-guard"));
        command.arg("server").current_dir(root).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
        for (key, value) in envs {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start golint-guard server");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let mut client = Client { child, stdin, messages, backlog: Vec::new(), next_id: 0 };
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "workspaceFolders": [{ "uri": uri(root), "name": "test" }],
                "capabilities": {
                    "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true }, "applyEdit": true }
                },
                "initializationOptions": options
            }),
        );
        assert_eq!(result["capabilities"]["textDocumentSync"]["change"], 1, "full sync: {result}");
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write to server");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Send a request and wait for its answer (the whole response: `result` or `error`).
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait_for(|message| message["id"] == id && message.get("method").is_none(), &format!("answer to {method}"))
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        assert!(response.get("error").is_none(), "{method} failed: {response}");
        response["result"].clone()
    }

    /// The next message (from the backlog first) that `matches`; server requests are answered
    /// on the way (`workspace/applyEdit` with success).
    fn wait_for(&mut self, matches: impl Fn(&Value) -> bool, what: &str) -> Value {
        if let Some(index) = self.backlog.iter().position(&matches) {
            return self.backlog.remove(index);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = match self.messages.recv_timeout(left) {
                Ok(message) => message,
                Err(RecvTimeoutError::Timeout) => panic!("timed out waiting for {what}; seen: {:#?}", self.backlog),
                Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output waiting for {what}"),
            };
            if message.get("method").is_some() && message.get("id").is_some() {
                let result =
                    if message["method"] == "workspace/applyEdit" { json!({ "applied": true }) } else { Value::Null };
                let id = message["id"].clone();
                self.send(json!({ "jsonrpc": "2.0", "id": id, "result": result }));
            }
            if matches(&message) {
                return message;
            }
            self.backlog.push(message);
        }
    }

    /// The next diagnostics published for `uri` (and, when given, that document version).
    fn diagnostics(&mut self, uri: &str, version: Option<i64>) -> Vec<Value> {
        let message = self.wait_for(
            |message| {
                message["method"] == "textDocument/publishDiagnostics"
                    && message["params"]["uri"] == uri
                    && version.is_none_or(|version| message["params"]["version"] == version)
            },
            &format!("diagnostics for {uri} version {version:?}"),
        );
        message["params"]["diagnostics"].as_array().cloned().unwrap_or_default()
    }

    fn open(&mut self, path: &Path, text: &str) -> String {
        let uri = uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "go", "version": 1, "text": text } }),
        );
        uri
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    fn code_actions(&mut self, uri: &str, range: Value, only: Option<&[&str]>) -> Vec<Value> {
        let mut context = json!({ "diagnostics": [] });
        if let Some(only) = only {
            context["only"] = json!(only);
        }
        let result = self.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": range, "context": context }),
        );
        result.as_array().cloned().unwrap_or_default()
    }

    /// `shutdown` then `exit`; the exit status must be 0.
    fn shut_down(mut self) {
        let result = self.request("shutdown", Value::Null);
        assert_eq!(result, Value::Null);
        self.notify("exit", Value::Null);
        let status = wait_with_timeout(&mut self.child);
        assert_eq!(status, Some(0), "the server exits 0 after shutdown and exit");
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_with_timeout(child: &mut Child) -> Option<i32> {
    let deadline = Instant::now() + TIMEOUT;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn uri(path: &Path) -> String {
    golint_guard::server::convert::path_to_uri(path)
}

/// A module in a fresh temporary directory.
fn module(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical");
    std::fs::write(root.join("go.mod"), "module example.com/app\n\ngo 1.22\n").expect("go.mod");
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    (dir, root)
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().map(|diagnostic| diagnostic["code"].as_str().unwrap_or("?").to_string()).collect()
}

/// Apply LSP text edits (UTF-16 positions; the texts here are ASCII) to `text`.
fn apply(text: &str, edits: &[Value]) -> String {
    let offset = |position: &Value| {
        let line = position["line"].as_u64().expect("line") as usize;
        let character = position["character"].as_u64().expect("character") as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + character
    };
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|edit| {
            (
                offset(&edit["range"]["start"]),
                offset(&edit["range"]["end"]),
                edit["newText"].as_str().expect("newText").to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.0));
    let mut out = text.to_string();
    for (start, end, new_text) in edits {
        out.replace_range(start..end, &new_text);
    }
    out
}

fn edits_for<'v>(action: &'v Value, uri: &str) -> &'v Vec<Value> {
    action["edit"]["changes"][uri].as_array().unwrap_or_else(|| panic!("edits for {uri} in {action}"))
}

const SIGNAL: &str = "package main

import (
	\"os\"
	\"os/signal\"
)

func main() {
	c := make(chan os.Signal)
	signal.Notify(c, os.Interrupt)
	<-c
}
";

#[test]
fn diagnostics_follow_the_buffer_and_clear_on_close() {
    let (_dir, root) = module(&[("main.go", SIGNAL)]);
    let mut client = Client::start(&root, &[]);
    let uri = client.open(&root.join("main.go"), SIGNAL);
    let diagnostics = client.diagnostics(&uri, Some(1));
    assert_eq!(codes(&diagnostics), ["signal-unbuffered"]);
    let diagnostic = &diagnostics[0];
    assert_eq!(diagnostic["range"]["start"], json!({ "line": 9, "character": 1 }), "{diagnostic}");
    assert_eq!(diagnostic["severity"], 1, "signal-unbuffered is an error: {diagnostic}");
    assert_eq!(diagnostic["source"], "golint-guard");
    assert!(
        diagnostic["codeDescription"]["href"]
            .as_str()
            .is_some_and(|href| href.ends_with("rules/signal-unbuffered/docs.md")),
        "{diagnostic}"
    );
    let related = diagnostic["relatedInformation"].as_array().expect("the channel's make is a secondary label");
    assert_eq!(related[0]["location"]["uri"], uri.as_str());
    assert_eq!(related[0]["location"]["range"]["start"]["line"], 8);

    // The unsaved buffer is what counts: a buffered channel clears the finding.
    client.change(&uri, 2, &SIGNAL.replace("make(chan os.Signal)", "make(chan os.Signal, 1)"));
    assert_eq!(codes(&client.diagnostics(&uri, Some(2))), Vec::<String>::new());
    client.change(&uri, 3, SIGNAL);
    assert_eq!(codes(&client.diagnostics(&uri, Some(3))), ["signal-unbuffered"]);

    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
    assert!(client.diagnostics(&uri, None).is_empty(), "closing clears the diagnostics");
    client.shut_down();
}

/// The debounce waits only inside a burst of changes: a change after a pause gets its
/// diagnostics at once, and a burst is linted once, for its last text.
#[test]
fn a_change_after_a_pause_is_linted_at_once_and_a_burst_once() {
    let (_dir, root) = module(&[("main.go", SIGNAL)]);
    // Ten minutes: longer than this client waits for anything, so only a lint that does not
    // wait for the debounce can be seen.
    let mut client = Client::start_with(&root, &[], json!({ "debounceMs": 600_000 }));
    let uri = client.open(&root.join("main.go"), SIGNAL);
    assert_eq!(codes(&client.diagnostics(&uri, Some(1))), ["signal-unbuffered"]);
    let fixed = SIGNAL.replace("make(chan os.Signal)", "make(chan os.Signal, 1)");
    client.change(&uri, 2, &fixed);
    assert_eq!(codes(&client.diagnostics(&uri, Some(2))), Vec::<String>::new());
    // A burst: each change comes within the debounce of the one before.
    client.change(&uri, 3, SIGNAL);
    client.change(&uri, 4, &fixed);
    client.change(&uri, 5, SIGNAL);
    // A request about the document brings it up to date first.
    let range = json!({ "start": { "line": 9, "character": 1 }, "end": { "line": 9, "character": 1 } });
    client.code_actions(&uri, range, None);
    let published: Vec<Value> = client
        .backlog
        .iter()
        .filter(|message| message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri)
        .map(|message| message["params"]["version"].clone())
        .collect();
    assert_eq!(published, [json!(5)], "the burst is linted once, for its last text");
    assert_eq!(codes(&client.diagnostics(&uri, Some(5))), ["signal-unbuffered"]);
    client.shut_down();
}

#[test]
fn quick_fix_suppression_fix_all_and_hover() {
    let (_dir, root) = module(&[("main.go", SIGNAL)]);
    let mut client = Client::start(&root, &[]);
    let uri = client.open(&root.join("main.go"), SIGNAL);
    let diagnostics = client.diagnostics(&uri, Some(1));
    let range = diagnostics[0]["range"].clone();

    let actions = client.code_actions(&uri, range.clone(), None);
    let titles: Vec<&str> = actions.iter().filter_map(|action| action["title"].as_str()).collect();
    let fix = actions
        .iter()
        .find(|action| action["title"].as_str().is_some_and(|t| t.starts_with("Fix:")))
        .unwrap_or_else(|| panic!("a quick fix in {titles:?}"));
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["isPreferred"], true, "safe fixes are preferred");
    assert_eq!(fix["diagnostics"][0]["code"], "signal-unbuffered");
    let fixed = apply(SIGNAL, edits_for(fix, &uri));
    assert!(fixed.contains("c := make(chan os.Signal, 1)"), "{fixed}");

    let suppress = actions
        .iter()
        .find(|action| action["title"].as_str().is_some_and(|t| t.starts_with("Suppress `signal-unbuffered`")))
        .unwrap_or_else(|| panic!("a suppression in {titles:?}"));
    let suppressed = apply(SIGNAL, edits_for(suppress, &uri));
    assert!(
        suppressed.contains("\tc := make(chan os.Signal)\n\t//golint-guard:ignore signal-unbuffered TODO: say why this finding does not apply\n\tsignal.Notify(c, os.Interrupt)\n"),
        "{suppressed}"
    );
    // The suppression really suppresses: the buffer with it has no finding (and no
    // complaint about the suppression).
    client.change(&uri, 2, &suppressed);
    assert_eq!(codes(&client.diagnostics(&uri, Some(2))), Vec::<String>::new());
    // And `check` accepts it, placeholder reason and all.
    std::fs::write(root.join("main.go"), &suppressed).expect("write");
    let check = Command::new(env!("CARGO_BIN_EXE_golint-guard"))
        .args(["check", "--format", "json", "./..."])
        .current_dir(&root)
        .output()
        .expect("run check");
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success() && !report.contains("\"rule\""), "check on the suppressed file: {report}");
    std::fs::write(root.join("main.go"), SIGNAL).expect("write");
    client.change(&uri, 3, SIGNAL);
    client.diagnostics(&uri, Some(3));

    // Fix all, asked for as editors do on save (`source.fixAll`).
    let whole = json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 12, "character": 0 } });
    let fix_all = client.code_actions(&uri, whole.clone(), Some(&["source.fixAll"]));
    assert_eq!(fix_all.len(), 1, "only the fix-all action: {fix_all:?}");
    assert_eq!(fix_all[0]["kind"], "source.fixAll.golint-guard");
    assert_eq!(apply(SIGNAL, edits_for(&fix_all[0], &uri)), fixed);
    assert!(client.code_actions(&uri, whole, Some(&["refactor"])).is_empty());

    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 9, "character": 10 } }),
    );
    let text = hover["contents"]["value"].as_str().expect("markdown");
    assert!(text.contains("**signal-unbuffered**") && text.contains("**Fix:**"), "{text}");
    let nothing = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(nothing, Value::Null);

    // The command applies the same edits through the client.
    let result =
        client.request("workspace/executeCommand", json!({ "command": "golint-guard.applyFixes", "arguments": [uri] }));
    assert_eq!(result, Value::Null);
    let apply_edit = client.wait_for(|message| message["method"] == "workspace/applyEdit", "workspace/applyEdit");
    assert_eq!(apply(SIGNAL, edits_for(&apply_edit["params"], &uri)), fixed);
    client.shut_down();
}

#[test]
fn unused_suppressions_are_tagged_unnecessary() {
    let text = "package main\n\nfunc main() {\n\t//golint-guard:ignore signal-unbuffered nothing here to suppress\n\tprintln()\n}\n";
    let (_dir, root) = module(&[("main.go", text)]);
    let mut client = Client::start(&root, &[]);
    let uri = client.open(&root.join("main.go"), text);
    let diagnostics = client.diagnostics(&uri, Some(1));
    assert_eq!(codes(&diagnostics), ["unused-suppression"]);
    assert_eq!(diagnostics[0]["tags"], json!([1]), "Unnecessary: {:?}", diagnostics[0]);
    let actions = client.code_actions(&uri, diagnostics[0]["range"].clone(), None);
    assert!(
        actions.iter().all(|action| !action["title"].as_str().unwrap_or("").starts_with("Suppress")),
        "no suppression of a suppression: {actions:?}"
    );
    client.shut_down();
}

const COUNTER_USE: &str = "package app

func (c Counter) Get() int { return 0 }
";
const COUNTER_LOCKED: &str = "package app

import \"sync\"

type Counter struct {
	mu sync.Mutex
	n  int
}
";

#[test]
fn package_facts_follow_unsaved_buffers_of_other_files() {
    let (_dir, root) = module(&[("use.go", COUNTER_USE), ("types.go", COUNTER_LOCKED)]);
    let mut client = Client::start(&root, &[]);
    // The mutex is declared in another file: only the package facts show it.
    let use_uri = client.open(&root.join("use.go"), COUNTER_USE);
    assert_eq!(codes(&client.diagnostics(&use_uri, Some(1))), ["mutex-copied"]);

    // Editing the other file, unsaved, rebuilds the package's facts and relints the open files.
    let types_uri = client.open(&root.join("types.go"), COUNTER_LOCKED);
    client.diagnostics(&types_uri, Some(1));
    client.change(&types_uri, 2, &COUNTER_LOCKED.replace("mu sync.Mutex", "mu *sync.Mutex"));
    assert_eq!(codes(&client.diagnostics(&use_uri, Some(1))), Vec::<String>::new());

    // A file changed on disk (not open) counts too once the client says so.
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": types_uri } }));
    client.diagnostics(&types_uri, None);
    assert_eq!(codes(&client.diagnostics(&use_uri, Some(1))), ["mutex-copied"], "back to the disk's text");
    std::fs::write(root.join("types.go"), COUNTER_LOCKED.replace("mu sync.Mutex", "mu *sync.Mutex")).expect("write");
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": types_uri, "type": 2 }] }));
    assert_eq!(codes(&client.diagnostics(&use_uri, Some(1))), Vec::<String>::new());
    client.shut_down();
}

#[test]
fn config_is_discovered_and_reloaded() {
    let (_dir, root) = module(&[("main.go", SIGNAL)]);
    std::fs::write(root.join("golint-guard.toml"), "[rules]\nignore = [\"signal-unbuffered\"]\n").expect("config");
    let mut client = Client::start(&root, &[]);
    let registration =
        client.wait_for(|message| message["method"] == "client/registerCapability", "watcher registration");
    let watchers = registration["params"]["registrations"][0]["registerOptions"]["watchers"].to_string();
    assert!(watchers.contains("golint-guard.toml"), "{watchers}");

    let uri = client.open(&root.join("main.go"), SIGNAL);
    assert_eq!(codes(&client.diagnostics(&uri, Some(1))), Vec::<String>::new(), "the config turns the rule off");
    std::fs::write(root.join("golint-guard.toml"), "[rules]\n").expect("config");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": self::uri(&root.join("golint-guard.toml")), "type": 2 }] }),
    );
    assert_eq!(codes(&client.diagnostics(&uri, Some(1))), ["signal-unbuffered"]);
    client.shut_down();
}

/// The server remembers each directory's config; a config file created later (there was none
/// to remember) still counts once the client says so, for files in subdirectories too.
#[test]
fn config_created_after_the_first_lint_is_picked_up() {
    // Two findings: the config turns one rule off, the other stays (so the settings are loaded,
    // not missing).
    let text = format!(
        "{SIGNAL}\nfunc other() {{\n\t//golint-guard:ignore mutex-copied nothing to suppress here\n\tprintln()\n}}\n"
    );
    let (_dir, root) = module(&[("main.go", &text), ("cmd/tool/main.go", &text)]);
    let mut client = Client::start(&root, &[]);
    let both = ["signal-unbuffered", "unused-suppression"];
    let uri = client.open(&root.join("main.go"), &text);
    assert_eq!(codes(&client.diagnostics(&uri, Some(1))), both);
    let nested = client.open(&root.join("cmd/tool/main.go"), &text);
    assert_eq!(codes(&client.diagnostics(&nested, Some(1))), both);
    // Typing re-lints from the remembered resolution.
    client.change(&uri, 2, &format!("{text}\n"));
    assert_eq!(codes(&client.diagnostics(&uri, Some(2))), both);
    // The change re-lints the other open files of the workspace a little later.
    assert_eq!(codes(&client.diagnostics(&nested, Some(1))), both);

    std::fs::write(root.join("golint-guard.toml"), "[rules]\nignore = [\"signal-unbuffered\"]\n").expect("config");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": self::uri(&root.join("golint-guard.toml")), "type": 1 }] }),
    );
    assert_eq!(codes(&client.diagnostics(&uri, Some(2))), ["unused-suppression"]);
    assert_eq!(codes(&client.diagnostics(&nested, Some(1))), ["unused-suppression"]);
    client.change(&uri, 3, &text);
    assert_eq!(codes(&client.diagnostics(&uri, Some(3))), ["unused-suppression"], "and stays in effect");
    client.shut_down();
}

const COUNTER_LOCKED_AND_SIGNAL: &str = "package app

import (
	\"os\"
	\"os/signal\"
	\"sync\"
)

type Counter struct {
	mu sync.Mutex
	n  int
}

func wait() {
	c := make(chan os.Signal)
	signal.Notify(c, os.Interrupt)
	<-c
}
";

/// A file the config excludes is out of the workspace, as for `check ./...`: no diagnostics
/// when open, and nothing it declares in the package facts, before or after an edit of its
/// package rebuilds them. (Without the config, `check ./...` finds `signal-unbuffered` in
/// it and, through the facts, `mutex-copied` in the other file.)
#[test]
fn files_the_config_excludes_get_no_diagnostics_and_stay_out_of_the_facts() {
    let (_dir, root) = module(&[
        ("golint-guard.toml", "[files]\nexclude = [\"**/*_gen.go\"]\n"),
        ("app/use.go", COUNTER_USE),
        ("app/types_gen.go", COUNTER_LOCKED_AND_SIGNAL),
    ]);
    let mut client = Client::start(&root, &[]);
    let use_uri = client.open(&root.join("app/use.go"), COUNTER_USE);
    assert_eq!(codes(&client.diagnostics(&use_uri, Some(1))), Vec::<String>::new());
    let generated = client.open(&root.join("app/types_gen.go"), COUNTER_LOCKED_AND_SIGNAL);
    assert_eq!(codes(&client.diagnostics(&generated, Some(1))), Vec::<String>::new(), "excluded");
    // Edits rebuild the package's facts, from the buffers and the disk: still without it.
    client.change(&use_uri, 2, &format!("{COUNTER_USE}\n"));
    assert_eq!(codes(&client.diagnostics(&use_uri, Some(2))), Vec::<String>::new());
    let edited = format!("{COUNTER_LOCKED_AND_SIGNAL}\n");
    client.change(&generated, 2, &edited);
    assert_eq!(codes(&client.diagnostics(&generated, Some(2))), Vec::<String>::new());
    assert_eq!(codes(&client.diagnostics(&use_uri, Some(2))), Vec::<String>::new());
    // No fixes for it either.
    let whole = json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 19, "character": 0 } });
    assert!(client.code_actions(&generated, whole, None).is_empty());

    // Without the exclusion both findings are there: the test above can see them.
    std::fs::write(root.join("golint-guard.toml"), "[files]\n").expect("config");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": self::uri(&root.join("golint-guard.toml")), "type": 2 }] }),
    );
    assert_eq!(codes(&client.diagnostics(&generated, Some(2))), ["signal-unbuffered"]);
    assert_eq!(codes(&client.diagnostics(&use_uri, Some(2))), ["mutex-copied"]);
    client.shut_down();
}

#[test]
fn several_workspace_folders_each_with_its_modules() {
    let (_one, first) = module(&[("main.go", SIGNAL)]);
    let (_two, second) = module(&[("types.go", COUNTER_LOCKED), ("use.go", COUNTER_USE)]);
    let mut client = Client::start(&first, &[]);
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [{ "uri": uri(&second), "name": "second" }], "removed": [] } }),
    );
    let first_uri = client.open(&first.join("main.go"), SIGNAL);
    assert_eq!(codes(&client.diagnostics(&first_uri, Some(1))), ["signal-unbuffered"]);
    let second_uri = client.open(&second.join("use.go"), COUNTER_USE);
    assert_eq!(codes(&client.diagnostics(&second_uri, Some(1))), ["mutex-copied"]);
    client.shut_down();
}

#[test]
fn bad_input_and_panics_get_error_answers_and_the_server_goes_on() {
    let (_dir, root) = module(&[("main.go", SIGNAL)]);
    let mut client = Client::start(&root, &[("GOLINT_GUARD_SERVER_TEST_PANIC", "1")]);
    let bad = client.call("textDocument/codeAction", json!({ "textDocument": 42 }));
    assert_eq!(bad["error"]["code"], -32602, "invalid params: {bad}");
    let unknown = client.call("textDocument/definitelyNot", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "method not found: {unknown}");
    let panicked =
        client.call("workspace/executeCommand", json!({ "command": "golint-guard.panicForTest", "arguments": [] }));
    assert_eq!(panicked["error"]["code"], -32603, "internal error: {panicked}");
    assert!(panicked["error"]["message"].as_str().is_some_and(|m| m.contains("panicked")), "{panicked}");
    // Still serving.
    let uri = client.open(&root.join("main.go"), SIGNAL);
    assert_eq!(codes(&client.diagnostics(&uri, Some(1))), ["signal-unbuffered"]);
    client.shut_down();
}

#[test]
fn exit_without_shutdown_is_status_1() {
    let (_dir, root) = module(&[("main.go", SIGNAL)]);
    let mut client = Client::start(&root, &[]);
    client.notify("exit", Value::Null);
    assert_eq!(wait_with_timeout(&mut client.child), Some(1));
}

/// A real client: Neovim's built-in LSP client, headless. Neovim must be installed (`.ci/run`
/// installs Debian's package); without it this test fails, it does not skip.
#[test]
fn neovim_shows_diagnostics_and_applies_the_quick_fix() {
    let version = Command::new("nvim").arg("--version").output();
    let version = match version {
        Ok(output) if output.status.success() => {
            String::from_utf8_lossy(&output.stdout).lines().next().unwrap_or("").to_string()
        }
        _ => panic!("Neovim (`nvim`) is not installed: `apt-get install -y neovim` (.ci/run installs it)"),
    };
    let (_dir, root) = module(&[("main.go", SIGNAL)]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/server/neovim.lua");
    let result = root.join("result.txt");
    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("GG_ROOT", &root)
        .env("GG_BIN", env!("CARGO_BIN_EXE_golint-guard"))
        .env("GG_RESULT", &result)
        .current_dir(&root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nvim");
    let status = wait_with_timeout(&mut child);
    if status.is_none() {
        let _ = child.kill();
    }
    let outcome = std::fs::read_to_string(&result).unwrap_or_else(|_| format!("no result (nvim exit: {status:?})"));
    assert_eq!(outcome, "ok", "{version}");
}
