//! Generates and compiles the Go parser: upstream tree-sitter-go's `src/grammar.json`, read from
//! the pinned registry package, with the rules in `extension.rs` applied on top.
//!
//! This is what `grammar(base, { rules: { ... } })` does in a grammar.js, done on the JSON form so
//! the build needs neither a JavaScript runtime nor the tree-sitter CLI, and the repository holds
//! only our extension, never a copy of upstream's grammar or a generated parser.

#[path = "extension.rs"]
mod extension;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

/// The upstream package the extension is written against; Cargo.toml pins the same version.
const UPSTREAM: (&str, &str) = ("tree-sitter-go", "0.25.0");

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=extension.rs");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));

    let upstream = upstream_package_dir();
    let grammar_path = upstream.join("src/grammar.json");
    let text = fs::read_to_string(&grammar_path)
        .unwrap_or_else(|error| panic!("cannot read upstream grammar {}: {error}", grammar_path.display()));
    let mut grammar: Value = serde_json::from_str(&text).expect("upstream grammar.json is JSON");
    extension::apply(&mut grammar);
    let grammar_json = serde_json::to_string_pretty(&grammar).expect("a JSON value serializes");

    let mut diagnostics = Vec::new();
    let (_, parser_c) = tree_sitter_generate::generate_parser_for_grammar(
        &grammar_json,
        None,
        tree_sitter_generate::OptLevel::default(),
        &mut diagnostics,
    )
    .unwrap_or_else(|error| panic!("generating the extended Go parser failed: {error}"));
    for diagnostic in &diagnostics {
        // Upstream declares `_type` both a supertype and inlined; its own parser has the same
        // warning and the same outcome (the supertype is ignored), so it says nothing new here.
        if matches!(diagnostic, tree_sitter_generate::Diagnostic::SupertypeInlined { .. }) {
            continue;
        }
        println!("cargo:warning=tree-sitter generate: {diagnostic}");
    }

    let src = out.join("src");
    let headers = src.join("tree_sitter");
    fs::create_dir_all(&headers).expect("create OUT_DIR/src/tree_sitter");
    write(&src.join("grammar.json"), &grammar_json);
    write(&src.join("parser.c"), &parser_c);
    write(&headers.join("parser.h"), tree_sitter_generate::PARSER_HEADER);
    write(&headers.join("alloc.h"), tree_sitter_generate::ALLOC_HEADER);
    write(&headers.join("array.h"), tree_sitter_generate::ARRAY_HEADER);

    let mut build = cc::Build::new();
    build.std("c11").include(&src).file(src.join("parser.c"));
    if env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("msvc") {
        build.flag("-utf-8");
    }
    // Generated tables trip warnings that say nothing about our code.
    build.warnings(false);
    build.compile("tree-sitter-go-extended");
}

fn write(path: &Path, body: &str) {
    fs::write(path, body).unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
}

/// Where cargo unpacked the pinned tree-sitter-go package (a build-dependency, so it is always
/// downloaded before this script runs).
///
/// `cargo metadata` knows, whatever the registry, vendoring or CARGO_HOME; but it resolves the
/// whole workspace, and offline it fails while the dev-dependencies are not downloaded yet, as on
/// a fresh machine's `cargo install`. Then the registry's unpacked sources are where cargo put it.
fn upstream_package_dir() -> PathBuf {
    let (name, version) = UPSTREAM;
    let dir = match package_dir_from_metadata() {
        Ok(dir) => dir,
        Err(metadata_error) => package_dir_in_registry().unwrap_or_else(|| {
            panic!(
                "cannot find {name} {version}: {metadata_error}\n\
                 and no registry source directory under CARGO_HOME holds {name}-{version}"
            )
        }),
    };
    println!("cargo:rerun-if-changed={}", dir.join("src/grammar.json").display());
    dir
}

fn package_dir_from_metadata() -> Result<PathBuf, String> {
    let (name, version) = UPSTREAM;
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    // Build-dependencies are built for the host; filtering to it keeps cargo from wanting the
    // packages of other platforms, which a build does not download.
    let host = env::var("HOST").expect("cargo sets HOST");
    let output = Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--filter-platform", &host, "--manifest-path"])
        .arg(manifest.join("Cargo.toml"))
        .output()
        .map_err(|error| format!("cannot run `{cargo} metadata`: {error}"))?;
    if !output.status.success() {
        return Err(format!("`{cargo} metadata` failed:\n{}", String::from_utf8_lossy(&output.stderr)));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let packages = metadata["packages"].as_array().expect("cargo metadata lists packages");
    let manifest_path = packages
        .iter()
        .find(|package| package["name"] == name && package["version"] == version)
        .and_then(|package| package["manifest_path"].as_str())
        .ok_or_else(|| format!("cargo metadata does not list {name} {version}; is it still pinned in Cargo.toml?"))?;
    Ok(Path::new(manifest_path).parent().expect("a manifest path has a parent").to_path_buf())
}

/// `$CARGO_HOME/registry/src/<registry>/<name>-<version>`, in whichever registry has it (the same
/// package has the same contents in every registry: the lock file pins its checksum).
fn package_dir_in_registry() -> Option<PathBuf> {
    let (name, version) = UPSTREAM;
    let cargo_home = env::var_os("CARGO_HOME").map(PathBuf::from).or_else(|| {
        env::var_os("HOME").or_else(|| env::var_os("USERPROFILE")).map(|home| PathBuf::from(home).join(".cargo"))
    })?;
    let mut registries: Vec<PathBuf> =
        fs::read_dir(cargo_home.join("registry/src")).ok()?.filter_map(|entry| Some(entry.ok()?.path())).collect();
    registries.sort();
    registries
        .into_iter()
        .map(|registry| registry.join(format!("{name}-{version}")))
        .find(|dir| dir.join("src/grammar.json").is_file())
}
