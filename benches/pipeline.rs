//! Criterion benches: parse-only vs the full `check` pipeline over the same Go tree, and the
//! engine alone on one large file. The tree is `$GOLINT_GUARD_BENCH_DIR`, else
//! `$(go env GOROOT)/src/net` (about 200 files), else this repo's rule fixtures.
//!
//!   cargo bench --bench pipeline
//!
//! Compare `check` with `parse_only` in the same run: the ratio is what matters on a shared machine.
//!
//! `reports` times the JSON, SARIF and baseline fingerprints on issue 11's shapes: one 1 MB line
//! with 30k findings, and a 4 MB file with a finding every few lines (both were quadratic).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use golint_guard::config::Settings;
use golint_guard::engine::{Engine, ModuleFacts, Worker};
use golint_guard::lint::{lint_patterns, lint_source, parse_patterns};
use golint_guard::report::{Format, ReportInput, render};
use golint_guard::source::SourceFile;
use std::path::PathBuf;
use std::process::Command;

fn corpus() -> String {
    if let Ok(dir) = std::env::var("GOLINT_GUARD_BENCH_DIR") {
        return format!("{dir}/...");
    }
    let goroot = Command::new("go")
        .args(["env", "GOROOT"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string());
    match goroot {
        Some(root) if PathBuf::from(&root).join("src/net").is_dir() => format!("{root}/src/net/..."),
        _ => format!("{}/rules/...", env!("CARGO_MANIFEST_DIR")),
    }
}

fn pipeline(c: &mut Criterion) {
    let tree = corpus();
    let patterns = vec![tree.clone()];
    let settings = Settings::default();
    let stats = parse_patterns(&patterns, 1).expect("corpus parses");
    let mut group = c.benchmark_group(format!("pipeline ({tree})"));
    group.sample_size(10);
    group.throughput(Throughput::Bytes(stats.bytes as u64));
    group.bench_function("parse_only", |b| b.iter(|| parse_patterns(&patterns, 1).expect("parse")));
    group.bench_function("check_all_rules", |b| b.iter(|| lint_patterns(&patterns, &settings, 1).expect("check")));
    group.finish();
}

fn engine_on_one_file(c: &mut Criterion) {
    // A large, rule-dense file: every fixture concatenated body-wise is not valid Go, so use the
    // largest file of the corpus instead.
    let tree = corpus();
    let root = tree.trim_end_matches("/...");
    let largest = walk_go_files(PathBuf::from(root))
        .into_iter()
        .max_by_key(|path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
        .expect("corpus has Go files");
    let text = std::fs::read_to_string(&largest).expect("read largest file");
    let source = SourceFile::new(largest.clone(), largest.clone(), text);
    let settings = Settings::default();
    let engine = Engine::new(&settings.enabled_rules()).expect("queries compile");
    let mut worker = Worker::default();
    let mut group = c.benchmark_group(format!("one file ({})", largest.display()));
    group.throughput(Throughput::Bytes(source.text.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| golint_guard::parse::parse(&mut worker.parser, &source).expect("parse"));
    });
    group.bench_function("parse_and_lint", |b| {
        b.iter(|| lint_source(&engine, &mut worker, &settings, &source, ModuleFacts::default()));
    });
    group.finish();
}

fn reports(c: &mut Criterion) {
    let calls: String = (0..30_000).map(|i| format!("os.Remove(\"dir/f{i:06}.tmp.bk\"); ")).collect();
    let one_line = format!("package p\n\nimport \"os\"\n\nfunc f() {{ {calls}}}\n");
    let mut functions = String::new();
    let mut index = 0;
    while functions.len() < 4_000_000 {
        functions.push_str(&format!(
            "func g{index}() {{\n\tos.Remove(\"g{}.tmp\")\n\tx := {index}\n\t_ = x\n}}\n\n",
            index % 50
        ));
        index += 1;
    }
    let many_lines = format!("package p\n\nimport \"os\"\n\n{functions}");
    let settings = Settings::default();
    let rules = settings.enabled_rules();
    let engine = Engine::new(&rules).expect("queries compile");
    let mut worker = Worker::default();
    let mut group = c.benchmark_group("reports");
    group.sample_size(10);
    for (name, text) in [("one_1mb_line_30k_findings", one_line), ("4mb_file", many_lines)] {
        let source = SourceFile::new("a.go".into(), "a.go".into(), text);
        let findings = lint_source(&engine, &mut worker, &settings, &source, ModuleFacts::default());
        let sources = std::collections::BTreeMap::from([(source.display_path.clone(), source.clone())]);
        let input = ReportInput {
            findings: &findings,
            sources: &sources,
            rules: &rules,
            files_checked: 1,
            criteria: None,
            path_prefix: None,
            color: false,
            width: 100,
        };
        for format in [Format::Json, Format::Sarif, Format::Github] {
            group.bench_function(format!("{name}/{format:?}"), |b| b.iter(|| render(format, &input)));
        }
    }
    group.finish();
}

fn walk_go_files(root: PathBuf) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "testdata" && name != "vendor" && !name.starts_with(['.', '_']) {
                    stack.push(path);
                }
            } else if name.ends_with(".go") {
                files.push(path);
            }
        }
    }
    files
}

criterion_group!(benches, pipeline, engine_on_one_file, reports);
criterion_main!(benches);
