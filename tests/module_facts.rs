//! The module pre-pass (`engine::facts::module`): declarations, summaries to a fixed point, locks
//! in structs, and robustness on malformed input and on the Go standard library.

use golint_guard::discover::{self, Module, Target};
use golint_guard::engine::facts::module::{BlockCause, LockKind, Package, ProjectFacts};
use golint_guard::engine::facts::types::ProjectTypes;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const FIXTURE: &str = "tests/data/module_facts";

fn fixture() -> &'static ProjectFacts {
    static FACTS: OnceLock<ProjectFacts> = OnceLock::new();
    FACTS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
        let discovery = discover::discover(&[Target::Tree(root)], 2, &|_| false);
        ProjectFacts::from_discovery(&discovery, 2)
    })
}

fn package(path: &str) -> &'static Package {
    fixture().package_by_import_path(path).unwrap_or_else(|| panic!("no package {path}"))
}

fn block_message(package: &Package, name: &str) -> Option<String> {
    let func = package.function(name).unwrap_or_else(|| panic!("no function {name}"));
    func.may_block().map(|reason| fixture().describe_block(reason, Some(package.id())))
}

fn method_block_message(package: &Package, receiver: &str, name: &str) -> Option<String> {
    let func = package.method(receiver, name).unwrap_or_else(|| panic!("no method {receiver}.{name}"));
    func.may_block().map(|reason| fixture().describe_block(reason, Some(package.id())))
}

/// In-memory project: files under `/virtual/m`, module `example.com/m`.
fn project(files: &[(&str, &str)]) -> ProjectFacts {
    let root = PathBuf::from("/virtual/m");
    let sources: Vec<(PathBuf, String)> =
        files.iter().map(|(name, text)| (root.join(name), text.to_string())).collect();
    let module = Module { root, module_path: "example.com/m".into(), go_version: None, workspace: None };
    ProjectFacts::from_sources(&sources, &[module])
}

#[test]
fn call_chain_across_packages_blocks_with_its_reason() {
    let a = package("example.com/facts/a");
    let b = package("example.com/facts/b");
    let c = package("example.com/facts/c");
    assert_eq!(block_message(c, "C").as_deref(), Some("calls net.Dial"));
    assert_eq!(block_message(b, "helper").as_deref(), Some("calls c.C, which calls net.Dial"));
    assert_eq!(block_message(b, "B").as_deref(), Some("calls helper, which calls c.C, which calls net.Dial"));
    assert_eq!(
        block_message(a, "A").as_deref(),
        Some("calls b.B, which calls b.helper, which calls c.C, which calls net.Dial")
    );
    let reason = a.function("A").unwrap().may_block().unwrap();
    assert_eq!(reason.line, 15);
    assert!(matches!(reason.cause, BlockCause::Calls(_)));
}

#[test]
fn what_blocks_and_what_does_not() {
    let c = package("example.com/facts/c");
    for (name, expected) in [
        ("Send", Some("sends on a channel")),
        ("Recv", Some("receives from a channel")),
        ("Wait", Some("waits in a select with no default case")),
        ("Drain", Some("ranges over a channel")),
        ("Immediate", Some("calls time.Sleep")),
        ("Deferred", Some("calls time.Sleep")),
        ("Waits", Some("calls (*sync.WaitGroup).Wait")),
        ("Cmd", Some("calls runIt, which calls (*exec.Cmd).Run")),
        ("Spawn", None),
        ("SpawnNamed", None),
        ("TrySend", None),
        ("Callback", None),
        ("CondWait", None),
        ("Pure", None),
    ] {
        assert_eq!(block_message(c, name).as_deref(), expected, "{name}");
    }
}

#[test]
fn methods_resolve_through_fields_and_receivers() {
    let a = package("example.com/facts/a");
    let c = package("example.com/facts/c");
    assert_eq!(method_block_message(c, "Store", "flush").as_deref(), Some("calls os.WriteFile"));
    assert_eq!(
        method_block_message(a, "Server", "Save").as_deref(),
        Some("calls (*c.Store).Save, which calls (*c.Store).flush, which calls os.WriteFile")
    );
    assert_eq!(method_block_message(a, "Server", "Lookup").as_deref(), Some("calls s.rdb.Get with a context"));
    assert_eq!(method_block_message(a, "Server", "Touch"), None);
    assert_eq!(
        method_block_message(a, "Server", "Ping").as_deref(),
        Some("calls (*c.Conn).Ping, which calls (net.Conn).Write")
    );
    assert_eq!(block_message(a, "Deadline"), None);
}

#[test]
fn closes_parameters_to_a_fixed_point() {
    let a = package("example.com/facts/a");
    let c = package("example.com/facts/c");
    let closes = |package: &Package, name: &str| -> Vec<usize> {
        package.function(name).unwrap().summary().closed_params().collect()
    };
    assert_eq!(closes(c, "Produce"), vec![0]);
    assert_eq!(closes(c, "Relay"), vec![1]);
    assert_eq!(closes(a, "Feed"), vec![0]);
    assert_eq!(closes(c, "KeepsOpen"), Vec::<usize>::new());
    assert_eq!(closes(c, "Shadowed"), Vec::<usize>::new());
    assert!(c.function("Produce").unwrap().summary().closes_param(0));
    assert!(!c.function("Relay").unwrap().summary().closes_param(0));
}

#[test]
fn sentinel_errors_and_package_values() {
    let c = package("example.com/facts/c");
    assert!(c.is_sentinel_error("ErrNotFound"));
    assert!(c.is_sentinel_error("errClosed"));
    assert!(c.is_sentinel_error("ErrTyped"));
    assert!(!c.is_sentinel_error("notAnError"));
    assert!(!c.is_sentinel_error("Missing"));
    let names: Vec<&str> = c.sentinel_errors().map(|value| value.name()).collect();
    assert_eq!(names, vec!["ErrNotFound", "ErrTyped", "errClosed"]);
    assert_eq!(c.value("DefaultStore").and_then(|value| value.ty()), Some("*example.com/facts/c.Store"));
    assert_eq!(c.value("KindB").and_then(|value| value.ty()), Some("example.com/facts/c.Kind"));
    assert!(c.value("KindB").unwrap().is_const());
    assert_eq!(c.value("notAnError").and_then(|value| value.ty()), None);
}

#[test]
fn locks_held_by_value() {
    let locks = package("example.com/facts/locks");
    let lock = |name: &str| {
        locks
            .struct_type(name)
            .unwrap_or_else(|| panic!("no struct {name}"))
            .contains_lock()
            .map(|lock| (lock.field_path.to_string(), lock.kind))
    };
    assert_eq!(lock("ByValue"), Some(("mu".into(), LockKind::Mutex)));
    assert_eq!(lock("Embedded"), Some(("RWMutex".into(), LockKind::RWMutex)));
    assert_eq!(lock("EmbeddedPointer"), None);
    assert_eq!(lock("Pointer"), None);
    assert_eq!(lock("Through"), Some(("inner.mu".into(), LockKind::Mutex)));
    assert_eq!(lock("ThroughPointer"), None);
    assert_eq!(lock("ThroughOtherPackage"), Some(("store.mu".into(), LockKind::RWMutex)));
    assert_eq!(lock("Array"), Some(("shards".into(), LockKind::Mutex)));
    assert_eq!(lock("Slice"), None);
    assert_eq!(lock("Anonymous"), Some(("state.wg".into(), LockKind::WaitGroup)));
    assert_eq!(lock("ThroughNamed"), Some(("n".into(), LockKind::Mutex)));
    assert_eq!(lock("Once"), Some(("once".into(), LockKind::Once)));
    assert_eq!(lock("Generic"), Some(("mu".into(), LockKind::Mutex)));
    assert_eq!(lock("None"), None);
    let through = locks.struct_type("Through").unwrap().contains_lock().unwrap();
    assert_eq!(through.field(), "inner");
    let holder = package("example.com/facts/a").struct_type("Holder").unwrap().contains_lock().unwrap();
    assert_eq!((&*holder.field_path, holder.kind), ("inner.mu", LockKind::Mutex));
}

#[test]
fn packages_directories_and_test_packages() {
    let facts = fixture();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    let c_dir = root.join("c");
    let main = facts.package_of(&c_dir).unwrap();
    assert_eq!(main.name(), "c");
    assert_eq!(main.import_path(), Some("example.com/facts/c"));
    let names: Vec<&str> = facts.packages_in(&c_dir).map(Package::name).collect();
    // gen.go (`//go:build ignore`, package main) is not part of any package.
    assert_eq!(names, vec!["c", "c_test"]);
    let test_package = facts.packages_in(&c_dir).nth(1).unwrap();
    assert!(test_package.is_external_test());
    assert_eq!(
        facts.describe_block(
            test_package.function("helperForTest").unwrap().may_block().unwrap(),
            Some(test_package.id())
        ),
        "calls c.C, which calls net.Dial"
    );
    assert_eq!(facts.package_of_file(&c_dir.join("c_test.go")).map(Package::name), Some("c_test"));
    assert_eq!(facts.package_of_file(&c_dir.join("cmd.go")).map(Package::name), Some("c"));
    // Build-tag variants with different signatures: the signature is unknown.
    let platform = main.function("platform").unwrap();
    assert!(platform.signature().is_none());
    assert!(facts.package_by_import_path("example.com/facts/c_test").is_none());
    assert!(facts.package_by_import_path("example.com/facts/robust").is_some());
    assert!(facts.stats().files_degraded >= 1);
}

#[test]
fn signatures_and_types_in_table_form() {
    let c = package("example.com/facts/c");
    let pure = c.function("Pure").unwrap().signature().unwrap();
    let params: Vec<(Option<&str>, &str)> =
        pure.params.iter().map(|param| (param.name.as_deref(), &*param.ty)).collect();
    assert_eq!(params, vec![(Some("a"), "int"), (Some("b"), "int")]);
    let results: Vec<(Option<&str>, &str)> =
        pure.results.iter().map(|param| (param.name.as_deref(), &*param.ty)).collect();
    assert_eq!(results, vec![(Some("n"), "int"), (Some("err"), "error")]);
    let save = c.method("Store", "Save").unwrap();
    assert!(save.receiver().unwrap().pointer);
    assert_eq!(save.returns_error(), Some(true));
    assert_eq!(c.methods_named("Save").count(), 1);
    // The ProjectTypes interface the main pass types calls through.
    let facts = fixture();
    assert_eq!(facts.func_results("example.com/facts/c", "Pure"), Some(vec!["int".into(), "error".into()]));
    assert_eq!(facts.method_results("example.com/facts/c", "Store", "Save"), Some(vec!["error".into()]));
    assert_eq!(facts.field_type("example.com/facts/c", "Store", "data"), Some("[]uint8".into()));
    assert_eq!(facts.field_type("example.com/facts/a", "Server", "store"), Some("*example.com/facts/c.Store".into()));
    assert_eq!(facts.var_type("example.com/facts/c", "ErrNotFound"), Some("error".into()));
    assert_eq!(facts.func_results("example.com/facts/c", "Nope"), None);
    // Lookups by type text, as the main pass's TypeEnv spells types.
    let (_, flush) = facts.method_of_type("*example.com/facts/c.Store", "flush").unwrap();
    assert!(flush.may_block().is_some());
    assert!(facts.function_at("example.com/facts/c", "C").is_some());
    let (_, store) = facts.type_of_text("example.com/facts/c.Store").unwrap();
    assert_eq!(store.name(), "Store");
    assert!(facts.type_of_text("*example.com/facts/c.Store").is_none());
    let lock = |ty: &str| facts.lock_held_by_value(ty).map(|lock| (lock.field_path.to_string(), lock.kind));
    assert_eq!(lock("sync.Mutex"), Some((String::new(), LockKind::Mutex)));
    assert_eq!(lock("[2]sync.WaitGroup"), Some((String::new(), LockKind::WaitGroup)));
    assert_eq!(lock("example.com/facts/c.Store"), Some(("mu".into(), LockKind::RWMutex)));
    assert_eq!(lock("example.com/facts/locks.Named"), Some((String::new(), LockKind::Mutex)));
    assert_eq!(lock("*example.com/facts/c.Store"), None);
    assert_eq!(lock("[]sync.Mutex"), None);
    assert_eq!(lock("example.com/facts/c.Kind"), None);
}

#[test]
fn lexer_and_scanner_edge_cases() {
    let facts = project(&[(
        "p/p.go",
        r#"package p

import (
	"io"
	stdsync "sync"
)

var raw = `a { b
" } /* c
`

var runes = []rune{'\'', '"', '{', '}', '`'}

// A comment with { braces } and "quotes" and `ticks`.
/* block { comment */

func F[T any](x T) (T, error) { return x, nil }

func Map[K comparable, V any](m map[K]V, f func(K, V) bool) []K { return nil }

type Set[T comparable] struct {
	items map[T]struct{}
	mu    stdsync.Mutex `json:"-"`
}

func (s *Set[T]) Add(v T) { s.items[v] = struct{}{} }

func (Set[T]) Len() int { return 0 }

type (
	A int
	B = string
	Iface interface {
		io.Reader
		Close() error
		Name(prefix string, n ...int) (string, bool)
	}
	Arr [4]int
)

var (
	x, y int
	z    = "/* not a comment */"
)

func Multi(a, b int, c string, rest ...any) {}

func Unnamed(int, string) (int, error) { return 0, nil }

func FuncParam(cb func(a int) error, other func() (int, error)) {}

type Fields struct {
	*stdsync.Mutex
	io.Writer
	anon struct {
		inner int
	}
	a, b []byte `tag:"x"`
	Set[int]
	arr [2]int
}

func NoBody(x int) int
func AfterNoBody() {}
"#,
    )]);
    let p = facts.package_by_import_path("example.com/m/p").unwrap();
    let f = p.function("F").unwrap();
    assert_eq!(&*f.type_params()[0], "T");
    let sig = f.signature().unwrap();
    assert_eq!(sig.params[0].ty.as_ref(), "T");
    let results: Vec<&str> = f.result_types().unwrap().collect();
    assert_eq!(results, vec!["T", "error"]);
    let map = p.function("Map").unwrap().signature().unwrap();
    let types: Vec<&str> = map.params.iter().map(|param| &*param.ty).collect();
    assert_eq!(types, vec!["map[K]V", "func(K, V) bool"]);
    assert_eq!(&*map.results[0].ty, "[]K");

    let add = p.method("Set", "Add").unwrap();
    assert!(add.receiver().unwrap().pointer);
    assert_eq!(&*add.signature().unwrap().params[0].ty, "T");
    assert!(!p.method("Set", "Len").unwrap().receiver().unwrap().pointer);
    let set = p.struct_type("Set").unwrap();
    assert_eq!(set.contains_lock().map(|lock| lock.kind), Some(LockKind::Mutex));
    assert_eq!(&*set.field("items").unwrap().ty, "map[T]struct{}");
    assert_eq!(&*set.field("mu").unwrap().ty, "sync.Mutex");

    assert!(p.type_decl("A").is_some() && p.type_decl("B").is_some() && p.type_decl("Arr").is_some());
    let iface = p.interface_type("Iface").unwrap();
    let methods: Vec<&str> = iface.methods().iter().map(|method| &*method.name).collect();
    assert_eq!(methods, vec!["Close", "Name"]);
    assert_eq!(&*iface.embeds()[0], "io.Reader");
    let name = &iface.method("Name").unwrap().signature;
    assert!(name.variadic);
    assert_eq!(&*name.params[1].ty, "...int");
    assert_eq!(name.results.len(), 2);

    assert!(p.value("x").is_some() && p.value("y").is_some() && p.value("z").is_some() && p.value("raw").is_some());
    let multi = p.function("Multi").unwrap().signature().unwrap();
    let multi: Vec<(Option<&str>, &str)> =
        multi.params.iter().map(|param| (param.name.as_deref(), &*param.ty)).collect();
    assert_eq!(
        multi,
        vec![(Some("a"), "int"), (Some("b"), "int"), (Some("c"), "string"), (Some("rest"), "...interface{}")]
    );
    let unnamed = p.function("Unnamed").unwrap().signature().unwrap();
    assert_eq!(unnamed.params.iter().map(|param| param.name.is_none()).collect::<Vec<_>>(), vec![true, true]);
    assert_eq!(unnamed.results.len(), 2);
    let func_param = p.function("FuncParam").unwrap().signature().unwrap();
    assert_eq!(&*func_param.params[0].ty, "func(int) error");
    assert_eq!(&*func_param.params[1].ty, "func() (int, error)");

    let fields = p.struct_type("Fields").unwrap();
    let summary: Vec<(&str, &str, bool)> =
        fields.fields().iter().map(|field| (&*field.name, &*field.ty, field.embedded)).collect();
    assert_eq!(
        summary,
        vec![
            ("Mutex", "*sync.Mutex", true),
            ("Writer", "io.Writer", true),
            ("anon", "struct{inner int}", false),
            ("a", "[]uint8", false),
            ("b", "[]uint8", false),
            ("Set", "example.com/m/p.Set[int]", true),
            ("arr", "[2]int", false),
        ]
    );
    assert!(fields.field("anon").unwrap().inline_struct.is_some());
    // The embedded *sync.Mutex is not held by value; the embedded Set[int] holds one.
    let lock = fields.contains_lock().unwrap();
    assert_eq!((&*lock.field_path, lock.kind), ("Set.mu", LockKind::Mutex));
    assert!(!p.function("NoBody").unwrap().has_body());
    assert!(p.function("AfterNoBody").unwrap().has_body());
}

#[test]
fn method_name_rule_and_shadowing() {
    let facts = project(&[(
        "q/q.go",
        r#"package q

import (
	"net"
	"time"
)

type worker struct{ conn net.Conn }

func (w *worker) dial() { net.Dial("tcp", "x") }

type other struct{}

func (o other) Close() { time.Sleep(1) }

type another struct{}

func (a another) Close() {}

// Items of unknown type: the unexported method name is unique in the package.
func Unknown(items []interface{ dial() }) {
	for _, item := range items {
		item.dial()
	}
}

// An exported name is never guessed.
func Exported(x interface{ Close() }) {
	x.Close()
}

// A local named like a package function is not that function.
func dialer() { net.Dial("tcp", "y") }

func Shadow() {
	dialer := func() {}
	dialer()
}

// A local named like an import is not the import.
func LocalNet() {
	net := fakeNet{}
	net.Dial("tcp", "z")
}

type fakeNet struct{}

func (fakeNet) Dial(string, string) {}

// Non-blocking send in a select with default inside a loop.
func Poll(ch chan int) {
	for {
		select {
		case v := <-ch:
			_ = v
		default:
			return
		}
	}
}

// Blocking inside a case body still counts.
func CaseBody(ch, out chan int) {
	select {
	case v := <-ch:
		out <- v
	default:
	}
}
"#,
    )]);
    let q = facts.package_by_import_path("example.com/m/q").unwrap();
    let message =
        |name: &str| q.function(name).unwrap().may_block().map(|reason| facts.describe_block(reason, Some(q.id())));
    assert_eq!(message("Unknown").as_deref(), Some("calls (*worker).dial, which calls net.Dial"));
    assert_eq!(message("Exported"), None);
    assert_eq!(message("Shadow"), None);
    assert_eq!(message("LocalNet"), None);
    assert_eq!(message("Poll"), None);
    assert_eq!(message("CaseBody").as_deref(), Some("sends on a channel"));
}

#[test]
fn receivers_typed_from_locals_fields_and_results() {
    let facts = project(&[(
        "r/r.go",
        r#"package r

import (
	"net"
	"net/http"
	"os"
	"os/exec"
)

type S struct {
	conn   net.Conn
	files  []*os.File
	byName map[string]*os.File
	next   *S
}

func (s *S) Alias()     { c := s.conn; c.Read(nil) }
func (s *S) Index()     { s.files[0].Sync() }
func (s *S) MapIndex()  { f := s.byName["a"]; f.Write(nil) }
func (s *S) Deep()      { s.next.next.conn.Write(nil) }
func Default()          { http.DefaultClient.Do(nil) }
func Local()            { var c http.Client; c.Get("u") }
func Composite()        { c := &http.Client{}; c.Get("u") }
func Result()           { cmd := exec.Command("x"); cmd.Output() }
func New()              { c := new(http.Client); c.Head("u") }
func SelfReference()    { x := x.next; x.m() }
func NotBlocking()      { c := &http.Client{}; c.CloseIdleConnections() }
"#,
    )]);
    let r = facts.package_by_import_path("example.com/m/r").unwrap();
    let message = |func: &golint_guard::engine::facts::module::Func| {
        func.may_block().map(|reason| facts.describe_block(reason, Some(r.id())))
    };
    for (receiver, name, expected) in [
        ("S", "Alias", Some("calls (net.Conn).Read")),
        ("S", "Index", Some("calls (*os.File).Sync")),
        ("S", "MapIndex", Some("calls (*os.File).Write")),
        ("S", "Deep", Some("calls (net.Conn).Write")),
    ] {
        assert_eq!(message(r.method(receiver, name).unwrap()).as_deref(), expected, "{name}");
    }
    for (name, expected) in [
        ("Default", Some("calls (*http.Client).Do")),
        ("Local", Some("calls (*http.Client).Get")),
        ("Composite", Some("calls (*http.Client).Get")),
        ("Result", Some("calls (*exec.Cmd).Output")),
        ("New", Some("calls (*http.Client).Head")),
        ("SelfReference", None),
        ("NotBlocking", None),
    ] {
        assert_eq!(message(r.function(name).unwrap()).as_deref(), expected, "{name}");
    }
}

#[test]
fn a_lone_file_outside_any_module() {
    let text = "package main\n\ntype S struct{ next *S }\n\nfunc (s *S) M() error { return nil }\n\nfunc main() { var s S; s.next.M() }\n";
    let facts = ProjectFacts::from_sources(&[(PathBuf::from("lone.go"), text.to_string())], &[]);
    let package = facts.package_of_file(Path::new("lone.go")).expect("the file's package");
    assert_eq!(package.import_path(), None);
    assert!(package.type_path().starts_with("_/"));
    let field = &package.struct_type("S").unwrap().fields()[0];
    assert_eq!(&*field.ty, format!("*{}.S", package.type_path()));
    assert_eq!(facts.method_results(package.type_path(), "S", "M"), Some(vec!["error".to_string()]));
    assert!(facts.package_of(Path::new(".")).is_some());
}

#[test]
fn bare_names_in_files_with_a_dot_import() {
    let facts = project(&[
        ("d/d.go", "package d\n\nimport . \"strings\"\n\nfunc F(b *Builder, l Local, r []Reader, x Unknown) {}\n"),
        ("d/local.go", "package d\n\ntype Local struct{}\n"),
    ]);
    let d = facts.package_by_import_path("example.com/m/d").unwrap();
    let types: Vec<&str> =
        d.function("F").unwrap().signature().unwrap().params.iter().map(|param| &*param.ty).collect();
    assert_eq!(types, vec!["*strings.Builder", "example.com/m/d.Local", "[]strings.Reader", "?"]);
}

#[test]
fn robust_fixture_degrades_to_unknown() {
    let robust = package("example.com/facts/robust");
    assert!(robust.function("Good").is_some());
    assert!(robust.is_incomplete());
    // Declarations after a brace that never closes are unknown, not guessed.
    assert!(robust.value("AfterBroken").is_none());
    assert!(robust.function("X").is_none());
}

/// Malformed and huge inputs: no panic, no hang.
#[test]
fn malformed_inputs_never_panic_or_hang() {
    let mut inputs: Vec<(String, String)> = vec![
        ("empty.go".into(), String::new()),
        ("only_package.go".into(), "package".into()),
        ("unterminated_raw.go".into(), "package p\nvar s = `abc".into()),
        ("unterminated_comment.go".into(), "package p\n/* abc".into()),
        ("unterminated_rune.go".into(), "package p\nvar r = '\\".into()),
        ("stray_closers.go".into(), "package p\n}}}))]]\nfunc F() {}\n".into()),
        ("openers.go".into(), "package p\nfunc F() {{{{((([[[\n".into()),
        ("deep_types.go".into(), format!("package p\nvar x {}int\n", "[]*".repeat(100_000))),
        ("deep_literals.go".into(), format!("package p\nfunc F() {{ {} }}\n", "func() { ".repeat(50_000))),
        ("deep_parens.go".into(), format!("package p\nfunc F() {{ x := {}1 }}\n", "(".repeat(200_000))),
        ("selectors.go".into(), format!("package p\nfunc F() {{ a{}() }}\n", ".b".repeat(100_000))),
        (
            "keywords.go".into(),
            "package p\nfunc func func ( ) type var const import ( ) select { case default }".into(),
        ),
    ];
    // Embeddings that fan out: an unbounded search for a promoted member would take 2^40 steps.
    let mut fan_out = String::from("package p\n\nfunc F(t T0) { t.Missing(); _ = t.missing }\n");
    for level in 0..40 {
        fan_out.push_str(&format!(
            "type T{level} struct {{ T{next}; *U{next} }}\ntype U{next} = T{next}\n",
            next = level + 1
        ));
    }
    inputs.push(("fan_out.go".into(), fan_out));
    // About 10 MB of plausible Go.
    let mut big = String::from("package big\n\nimport \"net\"\n\n");
    let mut n = 0;
    while big.len() < 10 << 20 {
        big.push_str(&format!(
            "type T{n} struct {{ mu sync.Mutex; next *T{n} }}\n\nfunc (t *T{n}) M{n}(ch chan int) error {{\n\tselect {{\n\tcase ch <- {n}:\n\tdefault:\n\t}}\n\tif t.next != nil {{ net.Dial(\"tcp\", \"x\") }}\n\treturn f{n}(ch)\n}}\n\nfunc f{n}(c chan int) error {{ close(c); return nil }}\n\n"
        ));
        n += 1;
    }
    inputs.push(("big.go".into(), big));
    let mut garbage = Vec::with_capacity(1 << 20);
    let mut seed = 7u64;
    for _ in 0..(1 << 20) {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        garbage.push(b"{}()[]\"'`/*\n abc.:=<-"[(seed >> 40) as usize % 21]);
    }
    inputs.push(("garbage.go".into(), format!("package g\n{}", String::from_utf8_lossy(&garbage))));

    for (name, text) in inputs {
        let started = Instant::now();
        let facts = project(&[(&format!("x/{name}"), &text)]);
        let elapsed = started.elapsed();
        // A hang guard, not a speed check: the debug build takes about 6 s for big.go alone on an
        // idle machine, several times that on a loaded one; anything quadratic takes hours.
        assert!(elapsed < Duration::from_secs(300), "{name} took {elapsed:?}: the pre-pass looks stuck");
        if name == "big.go" {
            let package = facts.package_by_import_path("example.com/m/x").unwrap();
            let method = package.method("T0", "M0").unwrap();
            assert_eq!(
                method.may_block().map(|reason| facts.describe_block(reason, None)).as_deref(),
                Some("calls net.Dial")
            );
            assert!(method.summary().closes_param(0));
        }
    }
}

/// Random byte edits of the fixture module (deletions, duplications, stray brackets and quotes):
/// the pre-pass must finish on every variant without panicking.
#[test]
fn mutated_fixtures_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    let mut originals = Vec::new();
    for dir in ["a", "b", "c", "locks"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            originals.push((path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap()));
        }
    }
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut next = move |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % bound.max(1) as u64) as usize
    };
    for round in 0..300 {
        let mut files = Vec::new();
        for (name, original) in &originals {
            let mut bytes = original.clone();
            for _ in 0..1 + next(8) {
                let at = next(bytes.len() + 1);
                match next(4) {
                    0 if at < bytes.len() => {
                        let end = (at + next(40)).min(bytes.len());
                        bytes.drain(at..end);
                    }
                    1 => bytes.insert(at, b"{}()[]\"'`/*\n"[next(11)]),
                    2 if at < bytes.len() => {
                        let end = (at + next(60)).min(bytes.len());
                        let copy = bytes[at..end].to_vec();
                        let to = next(bytes.len() + 1);
                        bytes.splice(to..to, copy);
                    }
                    _ => bytes.truncate(at),
                }
            }
            files.push((format!("p{}/{name}", round % 7), String::from_utf8_lossy(&bytes).into_owned()));
        }
        let refs: Vec<(&str, &str)> = files.iter().map(|(name, text)| (name.as_str(), text.as_str())).collect();
        let facts = project(&refs);
        for package in facts.packages() {
            for func in package.funcs() {
                if let Some(reason) = func.may_block() {
                    let _ = facts.describe_block(reason, Some(package.id()));
                }
            }
        }
    }
}

/// The Go standard library as a corpus for robustness and speed. It is not committed: it is
/// found through `go env GOROOT`, and the test fails with a clear message when Go is missing. For
/// figures comparable with `golint-guard parse-only "$(go env GOROOT)/src/..."`, run it
/// optimised: `cargo test --release --test module_facts standard_library -- --nocapture`.
#[test]
fn standard_library_scans_quickly_and_completely() {
    // Tests that need Go run for real or fail loudly; they never skip.
    let root = goroot_src()
        .expect("the standard-library scan needs the Go toolchain on PATH (`go env GOROOT`); install Go to run it");
    let discovery = discover::discover(&[Target::Tree(root.clone())], 2, &|_| false);
    // The standard-library table is loaded either way; load it first so the peak below is the
    // pre-pass's own.
    golint_guard::engine::facts::stdlib::table();
    let peak_before = peak_rss();
    let cpu_before = process_cpu_seconds();
    let started = Instant::now();
    let facts = ProjectFacts::from_discovery(&discovery, 2);
    let elapsed = started.elapsed();
    let cpu = process_cpu_seconds().zip(cpu_before).map(|(after, before)| after - before);
    let stats = facts.stats();
    eprintln!(
        "standard library pre-pass: {elapsed:?} wall, {cpu:?} CPU s, facts ≈ {} KiB, peak RSS {:?} → {:?} KiB, {stats:?}",
        facts.estimated_heap_bytes() / 1024,
        peak_before,
        peak_rss(),
    );
    assert!(stats.files_scanned > 4000, "{stats:?}");
    assert!(stats.files_degraded < 10, "{stats:?}");
    let http = facts.package_by_import_path("net/http").expect("net/http");
    assert!(http.function("Get").is_some());
    assert!(http.struct_type("Server").and_then(|server| server.contains_lock()).is_some());
    let sync = facts.package_by_import_path("sync").expect("sync");
    assert!(sync.method("WaitGroup", "Wait").is_some());
    let os = facts.package_by_import_path("os").expect("os");
    assert!(os.is_sentinel_error("ErrNotExist"));
    every_declaration_is_found_by_name(&facts);
    // The lexer alone, on one thread, for the record.
    let sources: Vec<Vec<u8>> = discovery.files.iter().filter_map(|file| std::fs::read(file).ok()).collect();
    let started = Instant::now();
    let mut tokens = Vec::new();
    let mut count = 0;
    for source in &sources {
        golint_guard::engine::facts::lexer::lex_into(source, &mut tokens);
        count += tokens.len();
    }
    let elapsed = started.elapsed();
    let bytes: usize = sources.iter().map(Vec::len).sum();
    eprintln!("lexer alone, one thread: {count} tokens, {:.0} MB/s", bytes as f64 / 1e6 / elapsed.as_secs_f64());
}

/// `Package::function` and `Package::method` (a search by hash) find each declared function and
/// method under its own receiver and name, and nothing under a name no declaration has.
fn every_declaration_is_found_by_name(facts: &ProjectFacts) {
    let mut checked = 0;
    for package in facts.packages() {
        for func in package.funcs() {
            let found = match func.receiver() {
                Some(receiver) => package.method(&receiver.type_name, func.name()),
                None => package.function(func.name()),
            };
            let found = found.unwrap_or_else(|| panic!("{}: {} not found", package.dir().display(), func.name()));
            assert_eq!(found.name(), func.name());
            assert_eq!(found.receiver().map(|r| &*r.type_name), func.receiver().map(|r| &*r.type_name));
            let missing = format!("{}_absent", func.name());
            assert!(package.function(&missing).is_none() && package.method("Absent", func.name()).is_none());
            checked += 1;
        }
    }
    assert!(checked > 10_000, "only {checked} declarations");
}

/// User plus system CPU time of this process so far (Linux, from `/proc/self/stat`).
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Peak resident set size of this process so far, in KiB (Linux).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn goroot_src() -> Option<PathBuf> {
    let output = std::process::Command::new("go").args(["env", "GOROOT"]).output().ok()?;
    let root = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim()).join("src");
    root.is_dir().then_some(root)
}

/// An embedded pointer holds its target by reference: no lock by value, however it is written.
#[test]
fn embedded_pointers_hold_no_lock_by_value() {
    let source = "package m\n\nimport \"sync\"\n\ntype T struct {\n\tmu sync.Mutex\n}\n\ntype S struct {\n\t*T\n}\n\n\
                  type W struct { *T; n int }\n\ntype X struct {\n\t*T `json:\"t\"`\n}\n\n\
                  type (\n\tY struct {\n\t\t*G[int]\n\t}\n\tZ struct {\n\t\tin struct{ *T }\n\t}\n)\n\n\
                  type G[E any] struct { mu sync.Mutex; e E }\n\n// doc\ntype funcTab struct {\n\t*T\n\tsz int // cached\n}\n";
    let facts = project(&[("a.go", source)]);
    assert!(facts.lock_held_by_value("example.com/m.T").is_some());
    for name in ["S", "W", "X", "Y", "Z", "funcTab"] {
        assert_eq!(facts.lock_held_by_value(&format!("example.com/m.{name}")), None, "{name}");
        let package = facts.package_by_import_path("example.com/m").unwrap();
        assert!(package.struct_type(name).unwrap().contains_lock().is_none(), "{name}");
    }
}

/// A type declared in several build-tag variants holds a lock by value only when every variant
/// does: a lock in `fd_plan9.go` says nothing about the `fd_unix.go` build.
#[test]
fn build_tag_variants_hold_a_lock_only_when_all_do() {
    let facts = project(&[
        (
            "fd_plan9.go",
            "package m\n\nimport \"sync\"\n\ntype FD struct {\n\tmu sync.Mutex\n}\n\ntype Both struct {\n\tmu sync.Mutex\n}\n\ntype Named sync.Mutex\n\ntype Outer struct {\n\tfd FD\n}\n",
        ),
        (
            "fd_unix.go",
            "//go:build unix\n\npackage m\n\ntype FD struct {\n\tn int\n}\n\ntype Both struct {\n\tother sync.RWMutex\n}\n\ntype Named int\n",
        ),
        ("fd_windows.go", "package m\n\nimport \"sync\"\n\ntype Both struct {\n\tmu sync.Mutex\n}\n"),
    ]);
    assert_eq!(facts.lock_held_by_value("example.com/m.FD"), None);
    assert_eq!(facts.lock_held_by_value("example.com/m.Outer"), None);
    assert_eq!(facts.lock_held_by_value("example.com/m.Named"), None);
    assert_eq!(facts.lock_held_by_value("[2]example.com/m.FD"), None);
    let both = facts.lock_held_by_value("example.com/m.Both").expect("every variant holds a lock");
    assert_eq!(&*both.field_path, "mu");
    let package = facts.package_by_import_path("example.com/m").unwrap();
    assert!(package.struct_type("FD").unwrap().contains_lock().is_none());
    assert!(package.struct_type("Both").unwrap().contains_lock().is_some());
}

/// "Keeps its channel parameter": only sends, receives, ranges, comparisons, `len`/`cap`/`close`
/// and plain arguments to project functions that keep it, to a fixed point.
#[test]
fn keeps_parameters_to_a_fixed_point() {
    let facts = project(&[
        (
            "a.go",
            "package m\n\nimport \"fmt\"\n\n\
             type holder struct{ ch chan<- int }\n\n\
             var global chan<- int\n\n\
             func produce(ch chan<- int) { for i := 0; i < 3; i++ { ch <- i } }\n\
             func twoLevel(ch chan<- int) { sendAll(ch, 3) }\n\
             func sendAll(ch chan<- int, n int) { if ch != nil && len(ch) < cap(ch) { ch <- n } }\n\
             func closes(ch chan<- int) { defer close(ch); ch <- 1 }\n\
             func closesThrough(ch chan<- int) { closes(ch) }\n\
             func drain(in <-chan int) { for range in {}; select { case <-in: } }\n\
             func recurse(ch chan<- int, n int) { if n > 0 { recurse(ch, n-1) }; ch <- n }\n\
             func goStatement(ch chan<- int) { go produce(ch); go func() { ch <- 1 }() }\n\
             func stores(ch chan<- int) { h := holder{ch: ch}; _ = h }\n\
             func assigns(ch chan<- int) { global = ch }\n\
             func returns(ch chan int) chan int { return ch }\n\
             func sendsAway(ch chan int, out chan chan int) { out <- ch }\n\
             func address(ch chan int) { p := &ch; _ = p }\n\
             func unresolved(ch chan<- int) { fmt.Println(ch) }\n\
             func storedLiteral(ch chan<- int) func() { return func() { ch <- 1 } }\n\
             func throughStorer(ch chan<- int) { stores(ch) }\n\
             func shadowed(ch chan<- int) { if ch := make(chan int); ch != nil { close(ch) } }\n\
             func localFunc(ch chan<- int, f func(chan<- int)) { f(ch) }\n\
             func (h *holder) feed(ch chan<- int) { ch <- 1 }\n\
             func method(h *holder, ch chan<- int) { h.feed(ch) }\n\
             func variadic(chs ...chan int) {}\n\
             func asm(ch chan int)\n",
        ),
        ("b_linux.go", "package m\n\nfunc variant(ch chan int) { ch <- 1 }\n"),
        ("b_windows.go", "package m\n\nvar kept chan int\n\nfunc variant(ch chan int) { kept = ch }\n"),
    ]);
    let package = facts.package_by_import_path("example.com/m").unwrap();
    let kept = |name: &str| -> Vec<usize> {
        package.function(name).unwrap_or_else(|| panic!("no {name}")).summary().kept_params().collect()
    };
    for name in ["produce", "twoLevel", "closes", "closesThrough", "drain", "goStatement"] {
        assert_eq!(kept(name), vec![0], "{name}");
    }
    assert_eq!(kept("sendAll"), vec![0]);
    assert_eq!(kept("recurse"), vec![0]);
    for name in [
        "stores",
        "assigns",
        "returns",
        "address",
        "unresolved",
        "storedLiteral",
        "throughStorer",
        "shadowed",
        "localFunc",
        "variadic",
        "asm",
        "variant",
    ] {
        assert_eq!(kept(name), Vec::<usize>::new(), "{name}");
    }
    assert_eq!(kept("method"), vec![1]);
    // `out <- ch` sends the channel away; `out` itself is only sent on.
    assert_eq!(kept("sendsAway"), vec![1]);
    let closes = |name: &str| package.function(name).unwrap().summary().closes_param(0);
    assert!(closes("closesThrough") && !closes("twoLevel") && !closes("produce"));
}

/// What a function's "may block" says, in any package of `facts`.
fn reason_in(facts: &ProjectFacts, import_path: &str, name: &str) -> Option<String> {
    let package = facts.package_by_import_path(import_path).unwrap_or_else(|| panic!("no package {import_path}"));
    let func = package.function(name).unwrap_or_else(|| panic!("no function {name} in {import_path}"));
    func.may_block().map(|reason| facts.describe_block(reason, Some(package.id())))
}

#[test]
fn rebuilding_one_directory_matches_a_full_build_there_and_keeps_the_rest() {
    let c = ("c/c.go", "package c\n\nimport \"net\"\n\nfunc C() { net.Dial(\"tcp\", \"x\") }\n");
    let a = ("a/a.go", "package a\n\nimport \"example.com/m/b\"\n\nfunc A() { b.B() }\n");
    let b_old = "package b\n\nimport \"example.com/m/c\"\n\nfunc B() { c.C() }\n\nfunc Quiet() {}\n";
    // New functions before `B` move it to another index; the chain now goes through Quiet.
    let b_new = "package b\n\nimport \"example.com/m/c\"\n\nfunc Added() {}\n\nfunc B() { Quiet() }\n\nfunc Quiet() { c.C() }\n";
    let b_calm = "package b\n\nfunc B() {}\n\nfunc Quiet() {}\n";

    let mut facts = project(&[a, ("b/b.go", b_old), c]);
    assert_eq!(
        reason_in(&facts, "example.com/m/a", "A").as_deref(),
        Some("calls b.B, which calls c.C, which calls net.Dial")
    );
    let b_id = facts.package_by_import_path("example.com/m/b").map(Package::id);

    let root = PathBuf::from("/virtual/m");
    let module = Module { root: root.clone(), module_path: "example.com/m".into(), go_version: None, workspace: None };
    let rebuild = |facts: &mut ProjectFacts, text: &str| {
        let file = root.join("b/b.go");
        let read = |path: &Path| (path == file).then(|| text.as_bytes().to_vec());
        facts.rebuild_dir(&root.join("b"), std::slice::from_ref(&file), std::slice::from_ref(&module), &read);
    };

    rebuild(&mut facts, b_new);
    let fresh = project(&[a, ("b/b.go", b_new), c]);
    for name in ["Added", "B", "Quiet"] {
        assert_eq!(reason_in(&facts, "example.com/m/b", name), reason_in(&fresh, "example.com/m/b", name), "b.{name}");
    }
    assert_eq!(
        reason_in(&facts, "example.com/m/b", "B").as_deref(),
        Some("calls Quiet, which calls c.C, which calls net.Dial")
    );
    // The dependent's reason follows `B` to its new index.
    assert_eq!(reason_in(&facts, "example.com/m/a", "A"), reason_in(&fresh, "example.com/m/a", "A"));
    assert_eq!(facts.package_by_import_path("example.com/m/b").map(Package::id), b_id, "the package keeps its id");
    assert_eq!(facts.package_of_file(&root.join("b/b.go")).map(Package::id), b_id);
    assert_eq!(reason_in(&facts, "example.com/m/c", "C").as_deref(), Some("calls net.Dial"), "other packages stay");

    // A callee that no longer blocks takes the dependent's reason with it.
    rebuild(&mut facts, b_calm);
    assert_eq!(reason_in(&facts, "example.com/m/b", "B"), None);
    assert_eq!(reason_in(&facts, "example.com/m/a", "A"), None);
}

/// Rebuilds of a two-file directory, editing one file then the other then neither, match a
/// full build each time: a file whose text did not change keeps its earlier scan.
#[test]
fn rebuilding_reuses_unchanged_files_and_matches_a_full_build() {
    let c = ("c/c.go", "package c\n\nimport \"net\"\n\nfunc C() { net.Dial(\"tcp\", \"x\") }\n");
    let one_old = "package b\n\nimport \"example.com/m/c\"\n\nfunc B() { Helper() }\n";
    let one_new = "package b\n\nfunc B() { Helper() }\n\nfunc Extra() {}\n";
    let two_old = "package b\n\nimport \"example.com/m/c\"\n\nfunc Helper() { c.C() }\n";
    let two_new = "package b\n\nfunc Helper() {}\n";
    let root = PathBuf::from("/virtual/m");
    let module = Module { root: root.clone(), module_path: "example.com/m".into(), go_version: None, workspace: None };
    let files = [root.join("b/one.go"), root.join("b/two.go")];
    let rebuild = |facts: &mut ProjectFacts, one: &str, two: &str| {
        let read = |path: &Path| match path.file_name().and_then(|name| name.to_str()) {
            Some("one.go") => Some(one.as_bytes().to_vec()),
            Some("two.go") => Some(two.as_bytes().to_vec()),
            _ => None,
        };
        facts.rebuild_dir(&root.join("b"), &files, std::slice::from_ref(&module), &read);
    };
    let mut facts = project(&[("b/one.go", one_old), ("b/two.go", two_old), c]);
    for (one, two) in
        [(one_old, two_old), (one_new, two_old), (one_new, two_new), (one_new, two_new), (one_old, two_old)]
    {
        rebuild(&mut facts, one, two);
        let fresh = project(&[("b/one.go", one), ("b/two.go", two), c]);
        let package = facts.package_by_import_path("example.com/m/b").expect("b");
        let expected = fresh.package_by_import_path("example.com/m/b").expect("b");
        let names = |package: &Package| package.funcs().iter().map(|func| func.name().to_string()).collect::<Vec<_>>();
        assert_eq!(names(package), names(expected), "{one}\n{two}");
        for name in names(expected) {
            assert_eq!(
                reason_in(&facts, "example.com/m/b", &name),
                reason_in(&fresh, "example.com/m/b", &name),
                "{name}"
            );
        }
    }
}
