//! The committed standard library table (`src/engine/facts/stdlib.table`): it matches what the
//! generator makes from the installed Go's api files, and lookups answer what rules ask.
//!
//! Refresh the table with `GOLINT_GUARD_UPDATE_STDLIB=1 cargo test --test stdlib_table`.

use golint_guard::engine::facts::stdlib::{self, Signature, TypeKind, TypeRef};
use golint_guard::engine::facts::stdlib_gen;
use std::path::{Path, PathBuf};
use std::process::Command;

const REFRESH: &str = "GOLINT_GUARD_UPDATE_STDLIB=1 cargo test --test stdlib_table";

fn table_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine/facts/stdlib.table")
}

/// `$(go env GOROOT)`; the freshness check cannot run without Go, and says so.
fn go_root() -> PathBuf {
    let output = Command::new("go").args(["env", "GOROOT"]).env("GOTOOLCHAIN", "local").output();
    let output = match output {
        Ok(output) if output.status.success() => output,
        Ok(output) => panic!(
            "the stdlib table freshness check needs Go, but `go env GOROOT` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ),
        Err(error) => panic!(
            "the stdlib table freshness check needs Go: running `go` failed ({error}). Install Go \
             (https://go.dev/dl/) and put `go` on PATH; the table itself is committed, so only this \
             check needs it."
        ),
    };
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

/// The top-level `api/*.txt` files. `api/next/` is left out on purpose: see stdlib_gen.rs.
fn read_api_files(go_root: &Path) -> Vec<(String, String)> {
    let api_dir = go_root.join("api");
    let entries = std::fs::read_dir(&api_dir).unwrap_or_else(|error| panic!("reading {}: {error}", api_dir.display()));
    let mut files: Vec<(String, String)> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "txt"))
        .map(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let text =
                std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
            (name, text)
        })
        .collect();
    files.sort();
    files
}

/// The release recorded in a table's `# api: go1.N` header line.
fn table_release(table: &str) -> Option<u32> {
    let line =
        table.lines().take_while(|line| line.starts_with('#')).find_map(|line| line.strip_prefix("# api: go1."))?;
    line.parse().ok()
}

#[test]
fn committed_table_matches_the_installed_go() {
    let go_root = go_root();
    let files = read_api_files(&go_root);
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(name, text)| (name.as_str(), text.as_str())).collect();
    let (generated, report) = stdlib_gen::generate_with_report(&borrowed);
    println!("api dir: {}", go_root.join("api").display());
    println!("{report:#?}");
    assert!(!report.api_files.is_empty(), "no go1*.txt files in {}", go_root.join("api").display());

    let committed = std::fs::read_to_string(table_path()).unwrap_or_default();
    let installed_release = table_release(&generated);
    let committed_release = table_release(&committed);
    if installed_release < committed_release {
        panic!(
            "the installed Go's api files stop at go1.{} but the committed table was made from go1.{}: \
             install Go 1.{} or newer to check it (refreshing from an older Go would drop API)",
            installed_release.unwrap_or_default(),
            committed_release.unwrap_or_default(),
            committed_release.unwrap_or_default(),
        );
    }
    if std::env::var_os("GOLINT_GUARD_UPDATE_STDLIB").is_some() {
        if generated != committed {
            std::fs::write(table_path(), &generated).expect("writing the stdlib table");
            println!("rewrote {}", table_path().display());
        }
        return;
    }
    if generated != committed {
        let diff = similar::TextDiff::from_lines(&committed, &generated);
        let mut shown = diff.unified_diff().context_radius(1).header("committed", "generated").to_string();
        if shown.len() > 4000 {
            let cut = (0..=4000).rev().find(|at| shown.is_char_boundary(*at)).unwrap_or(0);
            shown.truncate(cut);
            shown.push_str("\n...");
        }
        panic!(
            "src/engine/facts/stdlib.table is stale for the Go at {}. Refresh it with:\n\n    {REFRESH}\n\n{shown}",
            go_root.display()
        );
    }
    // What is committed must load cleanly.
    assert_eq!(stdlib::stats().malformed_lines, 0);
}

#[test]
fn table_size_and_first_load_time() {
    let stats = stdlib::stats();
    println!("{stats:#?}");
    assert!(stats.packages > 150, "{stats:?}");
    assert!(stats.funcs > 2000 && stats.methods > 3000 && stats.fields > 2000, "{stats:?}");
    assert_eq!(stats.malformed_lines, 0);
    // Generous for debug builds on a busy machine; release builds load in a few milliseconds.
    assert!(stats.load_time.as_millis() < 500, "loading took {:?}", stats.load_time);
}

fn strs(types: &[TypeRef<'_>]) -> Vec<String> {
    types.iter().map(ToString::to_string).collect()
}

fn results(sig: &Signature) -> Vec<String> {
    strs(&sig.results)
}

#[test]
fn functions() {
    let open = stdlib::func("os", "Open").expect("os.Open");
    assert_eq!(strs(&open.params), ["string"]);
    assert_eq!(results(open), ["*os.File", "error"]);
    assert!(open.returns_error() && stdlib::returns_error(open));
    assert_eq!(stdlib::result_count(open), 2);
    assert_eq!(open.error_index(), Some(1));
    assert_eq!(open.receiver, None);

    assert_eq!(results(stdlib::func("net/http", "Get").unwrap()), ["*net/http.Response", "error"]);
    assert_eq!(results(stdlib::func("strconv", "Atoi").unwrap()), ["int", "error"]);

    let println = stdlib::func("fmt", "Println").unwrap();
    assert_eq!(results(println), ["int", "error"]);
    assert!(println.variadic);
    assert_eq!(strs(&println.params), ["interface{}"]);

    // A changed signature: the newest release wins, and the removed form is gone.
    assert_eq!(results(stdlib::func("os", "Stat").unwrap()), ["io/fs.FileInfo", "error"]);
    assert!(stdlib::func("os", "NoSuchFunc").is_none());
    assert!(stdlib::func("no/such/pkg", "Open").is_none());
    assert!(!stdlib::func("strings", "ToUpper").unwrap().returns_error());
    assert!(stdlib::func("time", "Sleep").unwrap().results.is_empty());
}

#[test]
fn methods() {
    let close = stdlib::method("os", "File", "Close").expect("(*os.File).Close");
    assert_eq!(results(close), ["error"]);
    let receiver = close.receiver.unwrap();
    assert_eq!((receiver.pkg_path, receiver.type_name, receiver.pointer), ("os", "File", true));

    assert_eq!(results(stdlib::method("bytes", "Buffer", "Write").unwrap()), ["int", "error"]);
    let query = stdlib::method("database/sql", "DB", "QueryContext").unwrap();
    assert_eq!(query.params[0], TypeRef::new("context.Context"));
    assert_eq!(results(query), ["*database/sql.Rows", "error"]);

    let ticker = stdlib::func("time", "NewTicker").unwrap();
    assert_eq!(results(ticker), ["*time.Ticker"]);
    let stop = ticker.results[0].method("Stop").expect("(*time.Ticker).Stop");
    assert!(stop.results.is_empty());

    // A value-receiver method.
    let string = stdlib::method("time", "Duration", "String").unwrap();
    assert!(!string.receiver.unwrap().pointer);
    assert!(stdlib::method("os", "File", "NoSuchMethod").is_none());
}

#[test]
fn interfaces_and_their_method_sets() {
    assert!(stdlib::is_interface("hash", "Hash"));
    assert_eq!(results(stdlib::method("hash", "Hash", "Write").unwrap()), ["int", "error"]);
    // Methods of embedded interfaces are part of the set.
    assert_eq!(results(stdlib::method("io", "ReadCloser", "Close").unwrap()), ["error"]);
    assert_eq!(results(stdlib::method("io", "ReadCloser", "Read").unwrap()), ["int", "error"]);
    assert_eq!(results(stdlib::method("net", "Conn", "Close").unwrap()), ["error"]);
    assert_eq!(results(stdlib::method("net/http", "ResponseWriter", "Write").unwrap()), ["int", "error"]);
    assert!(TypeRef::new("io.Writer").is_interface());
    assert!(TypeRef::new("error").is_interface());
    assert!(!TypeRef::new("*os.File").is_interface());
}

#[test]
fn fields_and_vars() {
    let body = stdlib::field("net/http", "Response", "Body").expect("Response.Body");
    assert_eq!(body, TypeRef::new("io.ReadCloser"));
    assert!(body.is_interface());
    assert_eq!(results(body.method("Close").unwrap()), ["error"]);
    // Through a result type, with the pointer followed.
    let response = stdlib::func("net/http", "Get").unwrap().results[0];
    assert_eq!(response.field("StatusCode"), Some(TypeRef::new("int")));

    let eof = stdlib::var("io", "EOF").expect("io.EOF");
    assert!(eof.is_error());
    assert_eq!(stdlib::var("os", "Stdout"), Some(TypeRef::new("*os.File")));
    assert!(stdlib::var("io", "Reader").is_none());
}

#[test]
fn type_kinds_and_aliases() {
    assert!(stdlib::is_struct("sync", "Mutex"));
    assert_eq!(stdlib::type_kind("sync", "Mutex"), Some(TypeKind::Struct));
    assert_eq!(stdlib::type_kind("time", "Duration"), Some(TypeKind::Other(TypeRef::new("int64"))));
    // os.FileInfo = io/fs.FileInfo: kind and methods follow the alias.
    let alias = stdlib::type_info("os", "FileInfo").unwrap();
    assert_eq!(alias.kind, TypeKind::Alias(TypeRef::new("io/fs.FileInfo")));
    assert!(stdlib::is_interface("os", "FileInfo"));
    assert_eq!(results(stdlib::method("os", "FileInfo", "IsDir").unwrap()), ["bool"]);
    // html/template's FuncMap is text/template's, and its Funcs takes that one.
    assert_eq!(
        stdlib::type_kind("html/template", "FuncMap"),
        Some(TypeKind::Other(TypeRef::new("map[string]interface{}")))
    );
    let funcs = stdlib::method("html/template", "Template", "Funcs").unwrap();
    assert_eq!(strs(&funcs.params), ["text/template.FuncMap"]);
    assert_eq!(results(funcs), ["*html/template.Template"]);
}

#[test]
fn short_package_names_resolve_to_the_right_path() {
    // `rand.Rand` in a go1.txt line can only be math/rand; math/rand/v2 refers to its own types.
    assert_eq!(stdlib::field("testing/quick", "Config", "Rand"), Some(TypeRef::new("*math/rand.Rand")));
    assert_eq!(strs(&stdlib::func("math/rand/v2", "New").unwrap().params), ["math/rand/v2.Source"]);
    assert_eq!(results(stdlib::func("math/rand/v2", "New").unwrap()), ["*math/rand/v2.Rand"]);
    assert_eq!(results(stdlib::func("bufio", "NewReader").unwrap()), ["*bufio.Reader"]);
    assert_eq!(strs(&stdlib::func("bufio", "NewReader").unwrap().params), ["io.Reader"]);
    assert_eq!(strs(&stdlib::method("reflect", "Value", "UnsafePointer").unwrap().results), ["unsafe.Pointer"]);
}

#[test]
fn promotion_through_embedded_fields() {
    // The api lists promoted methods itself: bufio.ReadWriter embeds *Reader and *Writer.
    let write = stdlib::method("bufio", "ReadWriter", "Write").unwrap();
    assert_eq!(results(write), ["int", "error"]);
    assert_eq!(stdlib::field("bufio", "ReadWriter", "Writer"), Some(TypeRef::new("*bufio.Writer")));
    // Fields are found through the embedding: zip.File embeds FileHeader, which has Name.
    assert_eq!(stdlib::field("archive/zip", "File", "Name"), Some(TypeRef::new("string")));
    assert!(stdlib::type_info("archive/zip", "File").unwrap().fields().all(|(name, _)| name != "Name"));
    // Both embedded fields have Reset, so neither is promoted (Go's ambiguous selector rule).
    assert!(
        stdlib::method("bufio", "Reader", "Reset").is_some() && stdlib::method("bufio", "Writer", "Reset").is_some()
    );
    assert!(stdlib::method("bufio", "ReadWriter", "Reset").is_none());
}

#[test]
fn generics_and_platform_variants() {
    let load = stdlib::method("sync/atomic", "Pointer", "Load").unwrap();
    assert_eq!(results(load), ["*$0"]);
    assert!(load.results[0].pointee().unwrap().is_type_param());
    let sort = stdlib::func("slices", "Sort").unwrap();
    assert_eq!(strs(&sort.type_params), ["interface{ ~[]$1 }", "cmp.Ordered"]);
    // syscall.Read takes an int on Unix and a Handle on Windows; both return (int, error).
    let read = stdlib::func("syscall", "Read").unwrap();
    assert!(read.params[0].is_unknown());
    assert_eq!(results(read), ["int", "error"]);
    // No platform tags leak into entries.
    assert!(!stdlib::TABLE_TEXT.contains("-386)") && !stdlib::TABLE_TEXT.contains("(linux"));
}

#[test]
fn deprecations() {
    assert!(stdlib::is_deprecated("io/ioutil", "ReadAll"));
    assert!(!stdlib::is_deprecated("io", "ReadAll"));
    assert!(stdlib::func("io/ioutil", "ReadAll").unwrap().deprecated);
}
