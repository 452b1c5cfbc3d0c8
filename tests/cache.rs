//! The result cache: a cached run reports exactly what a fresh run reports, whatever happened
//! to the entries or to the files and settings they depend on.

use std::path::{Path, PathBuf};
use std::process::Output;

#[path = "support/mod.rs"]
mod support;

/// A module with findings that depend on other files: `p/a.go` calls a function of `p/b.go`,
/// `q/c.go` calls one of package `p`; suppressions that suppress nothing; a fixable finding.
fn module() -> tempfile::TempDir {
    let temp = tempfile::tempdir().expect("temp dir");
    let write = |path: &str, text: &str| {
        let path = temp.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write("go.mod", "module example.com/m\n\ngo 1.22\n");
    write(
        "p/a.go",
        "package p\n\nimport \"os\"\n\nfunc use() {\n\thelper()\n\tos.Remove(\"x\") //nolint:errcheck\n}\n",
    );
    write(
        "p/b.go",
        "package p\n\nfunc helper() error { return nil }\n\n// Helper is exported.\nfunc Helper() error { return nil }\n",
    );
    write(
        "q/c.go",
        "package q\n\nimport \"example.com/m/p\"\n\nfunc g() {\n\tp.Helper() //nolint:unchecked-error // kept\n\tp.Helper()\n}\n",
    );
    write(
        "r/d.go",
        "package r\n\nimport \"os\"\n\nfunc h() {\n\tos.Remove(\"y\") //golint-guard:ignore timer-leak\n}\n",
    );
    // A finding with a safe fix.
    write(
        "s/s.go",
        "package s\n\nimport (\n\t\"os\"\n\t\"os/signal\"\n)\n\nfunc wait() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c, os.Interrupt)\n\t<-c\n}\n",
    );
    temp
}

struct Run {
    output: Output,
    stats: String,
    /// How many module groups' snapshots were looked for and found.
    snapshots: String,
    /// How many of the pre-pass's file scans were found, and stored.
    scans: String,
}

fn run(dir: &Path, cache: &Path, args: &[&str]) -> Run {
    let format: &[&str] = if args.contains(&"--format") { &[] } else { &["--format", "json"] };
    let output = support::golint_guard()
        .args(["check", "--no-config", "--exit-zero"])
        .args(format)
        .args(args)
        .current_dir(dir)
        .env("GOLINT_GUARD_CACHE_DIR", cache)
        .env("GOLINT_GUARD_CACHE_STATS", "1")
        .output()
        .expect("run golint-guard");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    let stats = stderr.lines().find(|line| line.starts_with("cache:")).unwrap_or("").to_string();
    let snapshots = stderr.lines().find(|line| line.starts_with("cache snapshots:")).unwrap_or("").to_string();
    let scans = stderr.lines().find(|line| line.starts_with("cache scans:")).unwrap_or("").to_string();
    Run { output, stats, snapshots, scans }
}

/// A cached run (`--no-cache` absent) and a fresh one give the same bytes; returns the stats.
fn cached_equals_fresh(dir: &Path, cache: &Path, args: &[&str]) -> String {
    let fresh = run(dir, cache, &[args, &["--no-cache"]].concat());
    let cached = run(dir, cache, args);
    assert_eq!(
        String::from_utf8_lossy(&cached.output.stdout),
        String::from_utf8_lossy(&fresh.output.stdout),
        "cached run differs from a fresh run ({})",
        cached.stats
    );
    assert!(fresh.stats.is_empty(), "--no-cache uses no cache: {}", fresh.stats);
    cached.stats
}

fn hits(stats: &str) -> usize {
    stats.split_whitespace().nth(1).and_then(|count| count.parse().ok()).unwrap_or(usize::MAX)
}

/// A result entry: a record of a module group's result pack.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    pack: PathBuf,
    /// Its key.
    digest: Vec<u8>,
    /// Its last use, in seconds since the Unix epoch (the record's label).
    used: u64,
    body: String,
}

/// The result entries under the cache directory `cache`, pack by pack.
fn entries(cache: &Path) -> Vec<Entry> {
    let mut entries = Vec::new();
    for pack in result_packs(cache) {
        let bytes = std::fs::read(&pack).expect("read pack");
        for record in pack_records(&bytes) {
            let used = u64::from_le_bytes(bytes[record.label.clone()].try_into().expect("an 8-byte label"));
            let body = String::from_utf8_lossy(&bytes[record.body]).into_owned();
            let digest = bytes[record.label.end..record.label.end + 32].to_vec();
            entries.push(Entry { pack: pack.clone(), digest, used, body });
        }
    }
    entries
}

/// Rewrite the result packs under `cache`: `change` gets each entry and returns its new time
/// of last use, or `None` to remove it.
fn rewrite_entries(cache: &Path, change: impl Fn(&Entry) -> Option<u64>) {
    let entries = entries(cache);
    for pack in result_packs(cache) {
        let bytes = std::fs::read(&pack).expect("read pack");
        let records = pack_records(&bytes);
        let mut out = bytes[..records.first().map_or(bytes.len(), |record| record.whole.start)].to_vec();
        for (record, entry) in records.iter().zip(entries.iter().filter(|entry| entry.pack == pack)) {
            let Some(used) = change(entry) else { continue };
            let mut kept = bytes[record.whole.clone()].to_vec();
            let label = record.label.start - record.whole.start..record.label.end - record.whole.start;
            kept[label].copy_from_slice(&used.to_le_bytes());
            out.extend(kept);
        }
        std::fs::write(&pack, out).expect("write pack");
    }
}

/// The module groups' packs of result entries under `cache`.
fn result_packs(cache: &Path) -> Vec<PathBuf> {
    cache_files(cache).into_iter().filter(|path| is_result_pack(path)).collect()
}

fn is_result_pack(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(b"golint-guard-results "))
}

fn unix_seconds(time: std::time::SystemTime) -> u64 {
    time.duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs()
}

/// The module groups' indexes under `cache`: one per group whose snapshot was stored.
fn group_indexes(cache: &Path) -> Vec<PathBuf> {
    cache_files(cache).into_iter().filter(|path| is_group_index(path)).collect()
}

fn is_group_index(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(b"golint-guard-group-index "))
}

/// The module groups' packs of pre-pass file scans under `cache`.
fn scan_packs(cache: &Path) -> Vec<PathBuf> {
    cache_files(cache).into_iter().filter(|path| is_scan_pack(path)).collect()
}

fn is_scan_pack(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(b"golint-guard-scans "))
}

/// The module groups' snapshots under `cache`.
fn snapshots(cache: &Path) -> Vec<PathBuf> {
    cache_files(cache).into_iter().filter(|path| is_snapshot(path)).collect()
}

fn is_snapshot(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(b"golint-guard-group "))
}

fn cache_files(cache: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![cache.join("results")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path)
            } else if path.file_name().is_some_and(|name| name != "trim.txt") {
                found.push(path)
            }
        }
    }
    found.sort();
    found
}

#[test]
fn a_warm_run_reads_every_result_and_reports_the_same() {
    let module = module();
    let cache = tempfile::tempdir().expect("cache dir");
    let cold = cached_equals_fresh(module.path(), cache.path(), &[]);
    assert_eq!(cold, "cache: 0 hits, 5 misses (0 entries rejected), 5 stored");
    assert_eq!(snapshots(cache.path()).len(), 1, "one module group, one snapshot");
    let warm = cached_equals_fresh(module.path(), cache.path(), &[]);
    assert_eq!(warm, "cache: 5 hits, 0 misses (0 entries rejected), 0 stored");
    assert_eq!(run(module.path(), cache.path(), &[]).snapshots, "cache snapshots: 1 of 1 module groups found");
    // The unused suppressions and the findings they leave are reported from the cache too.
    let output = String::from_utf8_lossy(&run(module.path(), cache.path(), &[]).output.stdout).into_owned();
    assert!(output.contains("\"unused-suppression\""), "{output}");
    assert!(output.contains("p.Helper"), "{output}");
    // Every format and thread count agrees with a fresh run.
    for args in [&["--format", "sarif"][..], &["--format", "text", "--color", "never"], &["--threads", "1"]] {
        cached_equals_fresh(module.path(), cache.path(), args);
    }
}

/// A group's snapshot is looked for (its files read and hashed) only when the group's index,
/// keyed by its paths alone, says one was stored: a group without one is linted as new, and
/// indexed again.
#[test]
fn a_group_index_gates_the_snapshot_lookup() {
    let module = module();
    let cache = tempfile::tempdir().expect("cache dir");
    let cold = run(module.path(), cache.path(), &[]);
    assert_eq!(cold.snapshots, "cache snapshots: 0 of 1 module groups found");
    assert_eq!((snapshots(cache.path()).len(), group_indexes(cache.path()).len()), (1, 1));
    assert_eq!(run(module.path(), cache.path(), &[]).snapshots, "cache snapshots: 1 of 1 module groups found");

    // Without its index the snapshot is not used, though it is still there; the entries are.
    for index in group_indexes(cache.path()) {
        std::fs::remove_file(index).expect("remove the index");
    }
    assert_eq!(snapshots(cache.path()).len(), 1);
    let stats = cached_equals_fresh(module.path(), cache.path(), &[]);
    assert_eq!(stats, "cache: 5 hits, 0 misses (0 entries rejected), 0 stored");
    assert_eq!(group_indexes(cache.path()).len(), 1, "indexed again");
    assert_eq!(run(module.path(), cache.path(), &[]).snapshots, "cache snapshots: 1 of 1 module groups found");

    // A new file names another group: its own index, and the snapshot is not looked for.
    std::fs::write(module.path().join("p/e.go"), "package p\n\nfunc more() {}\n").expect("write");
    let grown = run(module.path(), cache.path(), &[]);
    assert_eq!(grown.snapshots, "cache snapshots: 0 of 1 module groups found");
    assert_eq!(group_indexes(cache.path()).len(), 2);
    cached_equals_fresh(module.path(), cache.path(), &[]);
}

#[test]
fn corrupt_truncated_and_foreign_entries_are_rebuilt_not_trusted() {
    let module = module();
    let cache = tempfile::tempdir().expect("cache dir");
    cached_equals_fresh(module.path(), cache.path(), &[]);
    type Spoil = fn(&mut Vec<u8>);
    // Each round damages the group's snapshot, index and scan pack one way, and its pack of
    // entries another. A record whose body no longer matches its hash is found and rejected; a
    // pack whose header is damaged, or whose last record is cut short, is no pack at all.
    const ALL_REJECTED: &str = "cache: 0 hits, 5 misses (5 entries rejected), 5 stored";
    const NONE_FOUND: &str = "cache: 0 hits, 5 misses (0 entries rejected), 5 stored";
    let damage: [(&str, Spoil, Spoil, &str); 6] = [
        // A digit changed in the body (a line number, say): the body hash no longer matches.
        (
            "changed digit",
            |bytes| {
                let at = bytes.iter().rposition(u8::is_ascii_digit).expect("a digit");
                bytes[at] = if bytes[at] == b'9' { b'1' } else { bytes[at] + 1 };
            },
            |bytes| {
                for body in pack_bodies(bytes) {
                    let at = body.start + bytes[body].iter().rposition(u8::is_ascii_digit).expect("a digit");
                    bytes[at] = if bytes[at] == b'9' { b'1' } else { bytes[at] + 1 };
                }
            },
            ALL_REJECTED,
        ),
        ("truncated", |bytes| bytes.truncate(bytes.len() / 2), |bytes| bytes.truncate(bytes.len() - 3), NONE_FOUND),
        ("emptied", Vec::clear, Vec::clear, NONE_FOUND),
        (
            "other format",
            |bytes| bytes.splice(0..0, b"x".iter().copied()).for_each(drop),
            |bytes| bytes[3] ^= 1,
            NONE_FOUND,
        ),
        (
            "garbage",
            |bytes| *bytes = b"golint-guard-result 1\nnot a key\n\n{".to_vec(),
            |bytes| *bytes = b"golint-guard-results 1\nnot a key\n\n{".to_vec(),
            NONE_FOUND,
        ),
        // One record damaged: the others are still read.
        (
            "one body",
            |bytes| bytes.truncate(bytes.len() / 2),
            |bytes| {
                let last = pack_bodies(bytes).pop().expect("a record").end - 1;
                bytes[last] ^= 1;
            },
            "cache: 4 hits, 1 misses (1 entries rejected), 1 stored",
        ),
    ];
    for (what, spoil, spoil_pack, stats) in damage {
        // The group's snapshot too.
        assert_eq!(snapshots(cache.path()).len(), 1, "{what}");
        assert_eq!(entries(cache.path()).len(), 5, "{what}");
        for file in cache_files(cache.path()) {
            let mut bytes = std::fs::read(&file).expect("read cache file");
            if is_result_pack(&file) {
                spoil_pack(&mut bytes)
            } else {
                spoil(&mut bytes)
            }
            std::fs::write(&file, bytes).expect("write cache file");
        }
        let fresh = run(module.path(), cache.path(), &["--no-cache"]);
        let cached = run(module.path(), cache.path(), &[]);
        assert_eq!(cached.output.stdout, fresh.output.stdout, "{what}");
        assert_eq!(cached.stats, stats, "{what}");
        assert_eq!(cached.snapshots, "cache snapshots: 0 of 1 module groups found", "{what}");
        // Rebuilt: the next run reads them all.
        assert_eq!(hits(&cached_equals_fresh(module.path(), cache.path(), &[])), 5, "{what}");
    }
}

#[test]
fn changed_settings_miss_and_match_a_fresh_run() {
    let module = module();
    let cache = tempfile::tempdir().expect("cache dir");
    cached_equals_fresh(module.path(), cache.path(), &[]);
    // Another rule selection, and a config that changes a rule's severity and ignores a path.
    let stats = cached_equals_fresh(module.path(), cache.path(), &["--select", "unchecked-error"]);
    assert_eq!(hits(&stats), 0, "{stats}");
    std::fs::write(
        module.path().join("golint-guard.toml"),
        "[rules.severity]\nunchecked-error = \"error\"\n\n[per-path-ignores]\n\"r/**\" = [\"unused-suppression\"]\n",
    )
    .expect("write config");
    let args = ["--config", "golint-guard.toml"];
    let run_with = |no_cache: bool| {
        let mut command = support::golint_guard();
        command.args(["check", "--exit-zero", "--format", "json"]).args(args);
        if no_cache {
            command.arg("--no-cache");
        }
        let output =
            command.current_dir(module.path()).env("GOLINT_GUARD_CACHE_DIR", cache.path()).output().expect("run");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let fresh = run_with(true);
    assert!(fresh.contains("\"error\""), "the config took effect: {fresh}");
    assert_eq!(run_with(false), fresh, "cold");
    assert_eq!(run_with(false), fresh, "warm");
}

#[test]
fn a_changed_file_re_lints_its_package_and_the_files_that_read_its_facts() {
    let module = module();
    let cache = tempfile::tempdir().expect("cache dir");
    cached_equals_fresh(module.path(), cache.path(), &[]);
    // helper and Helper no longer return an error: the findings in p/a.go and q/c.go go.
    std::fs::write(
        module.path().join("p/b.go"),
        "package p\n\nfunc helper() {}\n\n// Helper is exported.\nfunc Helper() {}\n",
    )
    .expect("write");
    let stats = cached_equals_fresh(module.path(), cache.path(), &[]);
    // r/d.go and s/s.go read nothing of p: still hits. The other three are linted again.
    assert_eq!(stats, "cache: 2 hits, 3 misses (2 entries rejected), 3 stored");
    let output = String::from_utf8_lossy(&run(module.path(), cache.path(), &[]).output.stdout).into_owned();
    assert!(!output.contains("the error returned by `helper`"), "{output}");
    // A change inside a function body that moves no declaration keeps the package's facts.
    std::fs::write(
        module.path().join("r/d.go"),
        "package r\n\nimport \"os\"\n\nfunc h() {\n\tos.Remove(\"z\") //golint-guard:ignore timer-leak\n}\n",
    )
    .expect("write");
    let stats = cached_equals_fresh(module.path(), cache.path(), &[]);
    assert_eq!(stats, "cache: 4 hits, 1 misses (0 entries rejected), 1 stored");
}

#[test]
fn after_one_file_changes_the_pre_pass_scans_that_file_alone() {
    let module = module();
    let cache = tempfile::tempdir().expect("cache dir");
    let first = run(module.path(), cache.path(), &[]);
    assert_eq!(first.scans, "cache scans: 0 found, 5 stored");
    assert_eq!(scan_packs(cache.path()).len(), 1, "the group's scans, in one file");
    // Unchanged: the group's snapshot answers, and no scan is read.
    assert_eq!(run(module.path(), cache.path(), &[]).scans, "cache scans: 0 found, 0 stored");
    std::fs::write(module.path().join("r/d.go"), "package r\n\nfunc h() {}\n").expect("write");
    let fresh = run(module.path(), cache.path(), &["--no-cache"]);
    let cached = run(module.path(), cache.path(), &[]);
    assert_eq!(cached.output.stdout, fresh.output.stdout);
    assert_eq!(cached.scans, "cache scans: 4 found, 1 stored");
    // A new package changes the project's import paths, which every scan reads: all are new.
    std::fs::create_dir(module.path().join("t")).expect("mkdir");
    std::fs::write(module.path().join("t/t.go"), "package t\n").expect("write");
    let fresh = run(module.path(), cache.path(), &["--no-cache"]);
    let cached = run(module.path(), cache.path(), &[]);
    assert_eq!(cached.output.stdout, fresh.output.stdout);
    assert_eq!(cached.scans, "cache scans: 0 found, 6 stored");
    // Damaged scans are scanned again, never trusted; the result is a fresh run's. Each
    // record's body is checked against its own hash; a damaged header or a pack cut short is
    // no pack at all.
    type Spoil = fn(&mut Vec<u8>);
    let damage: [(&str, Spoil); 3] = [
        ("every body", |bytes| {
            for body in pack_bodies(bytes) {
                bytes[body.end - 1] ^= 1;
            }
        }),
        ("the header", |bytes| bytes[3] ^= 1),
        ("cut short", |bytes| bytes.truncate(bytes.len() - 3)),
    ];
    for (round, (what, spoil)) in damage.into_iter().enumerate() {
        let packs = scan_packs(cache.path());
        assert_eq!(packs.len(), 1, "{what}");
        let mut bytes = std::fs::read(&packs[0]).expect("read");
        spoil(&mut bytes);
        std::fs::write(&packs[0], bytes).expect("write");
        std::fs::write(module.path().join("r/d.go"), format!("package r\n\nfunc h() {{ h() }}\n\n// {round}\n"))
            .expect("write");
        let fresh = run(module.path(), cache.path(), &["--no-cache"]);
        let cached = run(module.path(), cache.path(), &[]);
        assert_eq!(cached.output.stdout, fresh.output.stdout, "{what}");
        assert_eq!(cached.scans, "cache scans: 0 found, 6 stored", "{what}");
    }
}

/// Where a record of a pack lies, and its label and body.
struct RecordAt {
    whole: std::ops::Range<usize>,
    label: std::ops::Range<usize>,
    body: std::ops::Range<usize>,
}

/// The records of a pack (of scans or of results): after the header's two lines, records of
/// (label length u32 LE, label, digest, body hash, body length u32 LE, body).
fn pack_records(bytes: &[u8]) -> Vec<RecordAt> {
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
    let mut at = bytes.iter().enumerate().filter(|&(_, &byte)| byte == b'\n').nth(1).expect("a header").0 + 1;
    let mut records = Vec::new();
    while at < bytes.len() {
        let label = at + 4..at + 4 + u32_at(at);
        let body_len_at = label.end + 64;
        let body = body_len_at + 4..body_len_at + 4 + u32_at(body_len_at);
        records.push(RecordAt { whole: at..body.end, label, body: body.clone() });
        at = body.end;
    }
    assert_eq!(at, bytes.len(), "records end where the pack does");
    records
}

/// The byte ranges of the bodies in a pack.
fn pack_bodies(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    pack_records(bytes).into_iter().map(|record| record.body).collect()
}

/// A group's scans live in one pack, which a run over part of the group rewrites without
/// losing the scans of the files it did not read.
/// A run over part of a group reads the rest of its modules for facts, so it finds their scans
/// in the group's pack; and a run keeps the records of files it did not read (a file removed
/// for a run is found again when it is back).
#[test]
fn a_run_over_part_of_a_group_reads_the_other_files_scans_from_its_pack() {
    let module = module();
    let cache = tempfile::tempdir().expect("cache dir");
    std::fs::write(module.path().join("m.go"), "package m\n").expect("write");
    assert_eq!(run(module.path(), cache.path(), &[]).scans, "cache scans: 0 found, 6 stored");
    // `.` is the root package alone, in the same module: the same pack, rewritten. Its pre-pass
    // reads the whole module; only the changed m.go is scanned.
    std::fs::write(module.path().join("m.go"), "package m\n\nfunc M() {}\n").expect("write");
    let part = run(module.path(), cache.path(), &["."]);
    assert_eq!(part.scans, "cache scans: 5 found, 1 stored");
    assert_eq!(scan_packs(cache.path()).len(), 1);
    // The partial run read the same project as a whole run, so its scan of m.go serves one.
    let whole = run(module.path(), cache.path(), &[]);
    assert_eq!(whole.scans, "cache scans: 6 found, 0 stored");
    assert_eq!(whole.output.stdout, run(module.path(), cache.path(), &["--no-cache"]).output.stdout);
    // p/a.go gone (package p keeps b.go, so the project is the same) while m.go changes: the
    // pack is rewritten without reading a.go, and keeps its record.
    let a_go = module.path().join("p/a.go");
    let text = std::fs::read(&a_go).expect("read");
    std::fs::remove_file(&a_go).expect("remove");
    std::fs::write(module.path().join("m.go"), "package m\n\nfunc N() {}\n").expect("write");
    assert_eq!(run(module.path(), cache.path(), &[]).scans, "cache scans: 4 found, 1 stored");
    // Back, with m.go changed again so that no stored snapshot serves the group.
    std::fs::write(&a_go, text).expect("write");
    std::fs::write(module.path().join("m.go"), "package m\n\nfunc O() {}\n").expect("write");
    assert_eq!(run(module.path(), cache.path(), &[]).scans, "cache scans: 5 found, 1 stored");
}

/// A run over one package takes facts from the rest of its module, so a change there reaches it
/// through the cache as it does without: a stored snapshot or entry of the package is not
/// trusted once a file it was not asked to lint has changed.
#[test]
fn a_partial_run_sees_a_change_in_the_rest_of_its_module() {
    let module = module();
    let cache = tempfile::tempdir().expect("cache dir");
    let unchecked_helper =
        |run: &Run| String::from_utf8_lossy(&run.output.stdout).contains("`p.Helper` is not checked");
    cached_equals_fresh(module.path(), cache.path(), &["./q/..."]);
    assert!(unchecked_helper(&run(module.path(), cache.path(), &["./q/..."])), "p.Helper returns an error");
    std::fs::write(
        module.path().join("p/b.go"),
        "package p\n\nfunc helper() error { return nil }\n\n// Helper is exported.\nfunc Helper() {}\n",
    )
    .expect("write");
    cached_equals_fresh(module.path(), cache.path(), &["./q/..."]);
    assert!(!unchecked_helper(&run(module.path(), cache.path(), &["./q/..."])), "p.Helper returns nothing now");
}

#[test]
fn a_group_snapshot_serves_only_the_files_as_its_pre_pass_read_them() {
    let module = module();
    let cache = tempfile::tempdir().expect("cache dir");
    cached_equals_fresh(module.path(), cache.path(), &[]);
    // An entry gone (evicted, say) while the snapshot stays: that file is linted with the
    // facts, the others are read from the snapshot's hashes.
    let of_c = |entry: &Entry| entry.body.contains("q/c.go");
    assert_eq!(entries(cache.path()).iter().filter(|entry| of_c(entry)).count(), 1, "q/c.go's entry");
    rewrite_entries(cache.path(), |entry| (!of_c(entry)).then_some(entry.used));
    assert_eq!(entries(cache.path()).len(), 4);
    let cached = run(module.path(), cache.path(), &[]);
    let fresh = run(module.path(), cache.path(), &["--no-cache"]);
    assert_eq!(cached.output.stdout, fresh.output.stdout);
    assert_eq!(cached.stats, "cache: 4 hits, 1 misses (0 entries rejected), 1 stored");
    assert_eq!(cached.snapshots, "cache snapshots: 1 of 1 module groups found");
    assert_eq!(run(module.path(), cache.path(), &[]).stats, "cache: 5 hits, 0 misses (0 entries rejected), 0 stored");
    // Any file of the group changed, added or removed: its snapshot no longer applies.
    let b = module.path().join("p/b.go");
    let original = std::fs::read_to_string(&b).expect("read");
    std::fs::write(&b, format!("{original}\n// A comment.\n")).expect("write");
    assert_eq!(run(module.path(), cache.path(), &[]).snapshots, "cache snapshots: 0 of 1 module groups found");
    std::fs::write(&b, &original).expect("write");
    assert_eq!(run(module.path(), cache.path(), &[]).snapshots, "cache snapshots: 1 of 1 module groups found");
    std::fs::write(module.path().join("p/e.go"), "package p\n").expect("write");
    let stats = cached_equals_fresh(module.path(), cache.path(), &[]);
    assert_eq!(run(module.path(), cache.path(), &[]).snapshots, "cache snapshots: 1 of 1 module groups found");
    std::fs::remove_file(module.path().join("p/e.go")).expect("remove");
    let removed = run(module.path(), cache.path(), &[]);
    assert_eq!(removed.snapshots, "cache snapshots: 1 of 1 module groups found", "the snapshot from before p/e.go");
    assert_eq!(removed.output.stdout, fresh.output.stdout, "{stats}");
    // The go.mod's Go version is read by the pre-pass too.
    std::fs::write(module.path().join("go.mod"), "module example.com/m\n\ngo 1.21\n").expect("write");
    let changed_module = run(module.path(), cache.path(), &[]);
    assert_eq!(changed_module.snapshots, "cache snapshots: 0 of 1 module groups found");
    assert_eq!(changed_module.output.stdout, run(module.path(), cache.path(), &["--no-cache"]).output.stdout);
}

#[test]
fn fix_never_applies_a_stale_result_and_baselines_work_from_the_cache() {
    let module = module();
    let cache = tempfile::tempdir().expect("cache dir");
    let copy = tempfile::tempdir().expect("copy");
    for path in ["go.mod", "p/a.go", "p/b.go", "q/c.go", "r/d.go", "s/s.go"] {
        std::fs::create_dir_all(copy.path().join(path).parent().expect("parent")).expect("mkdir");
        std::fs::copy(module.path().join(path), copy.path().join(path)).expect("copy");
    }
    cached_equals_fresh(module.path(), cache.path(), &[]);
    // Change a file after its result was cached, then fix: the fix works on the file as it is
    // now, and fixes files whose findings came from the cache (s/s.go) as a fresh run does.
    let a = module.path().join("p/a.go");
    let changed = std::fs::read_to_string(&a).expect("read").replace("\"x\"", "\"w\"");
    std::fs::write(&a, &changed).expect("write");
    std::fs::write(copy.path().join("p/a.go"), &changed).expect("write");
    let fixed = run(module.path(), cache.path(), &["--fix", "--unsafe-fixes"]);
    let fresh = run(copy.path(), cache.path(), &["--fix", "--unsafe-fixes", "--no-cache"]);
    assert_eq!(fixed.output.stdout, fresh.output.stdout);
    assert!(std::fs::read_to_string(module.path().join("s/s.go")).expect("read").contains("make(chan os.Signal, 1)"));
    for path in ["p/a.go", "p/b.go", "q/c.go", "r/d.go", "s/s.go"] {
        assert_eq!(
            std::fs::read_to_string(module.path().join(path)).expect("read"),
            std::fs::read_to_string(copy.path().join(path)).expect("read"),
            "{path}"
        );
    }
    // A baseline written from cached results hides the same findings as one from a fresh run.
    run(module.path(), cache.path(), &["--write-baseline", "base.json"]);
    run(module.path(), cache.path(), &["--write-baseline", "fresh.json", "--no-cache"]);
    assert_eq!(
        std::fs::read(module.path().join("base.json")).expect("read"),
        std::fs::read(module.path().join("fresh.json")).expect("read")
    );
    let stats = cached_equals_fresh(module.path(), cache.path(), &["--baseline", "base.json"]);
    assert_eq!(hits(&stats), 5, "{stats}");
    let output = run(module.path(), cache.path(), &["--baseline", "base.json"]);
    let value: serde_json::Value = serde_json::from_slice(&output.output.stdout).expect("json");
    assert_eq!(value["findings"].as_array().map(Vec::len), Some(0), "{value}");
}

#[test]
fn cache_dir_and_clean() {
    let module = module();
    let cache = tempfile::tempdir().expect("cache dir");
    let cache_command = |action: &str| {
        let output = support::golint_guard()
            .args(["cache", action])
            .env("GOLINT_GUARD_CACHE_DIR", cache.path())
            .output()
            .expect("run");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert_eq!(cache_command("dir"), format!("{}\n", cache.path().display()));
    cached_equals_fresh(module.path(), cache.path(), &[]);
    assert_eq!(entries(cache.path()).len(), 5);
    assert_eq!(result_packs(cache.path()).len(), 1, "one module group's entries, in one file");
    // Something else in the cache directory is left alone.
    std::fs::write(cache.path().join("keep.txt"), "mine").expect("write");
    assert!(cache_command("clean").starts_with("removed"));
    assert!(entries(cache.path()).is_empty());
    assert!(cache.path().join("keep.txt").exists());
    assert!(cache_command("clean").starts_with("no cached results"));
    assert_eq!(hits(&cached_equals_fresh(module.path(), cache.path(), &[])), 0);
}

/// A module where `api` calls a method of `store` with a lock held: whether that is flagged
/// depends on the blocking summary the pre-pass computes for `store`'s methods.
fn lock_module(flush_body: &str) -> tempfile::TempDir {
    let temp = tempfile::tempdir().expect("temp dir");
    let write = |path: &str, text: &str| {
        let path = temp.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write("go.mod", "module example.com/m\n\ngo 1.22\n");
    write(
        "api/api.go",
        "package api\n\nimport (\n\t\"sync\"\n\n\t\"example.com/m/store\"\n)\n\ntype Server struct {\n\tmu    sync.Mutex\n\tstore *store.Store\n}\n\nfunc (s *Server) Put(data []byte) error {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\treturn s.store.Save(data)\n}\n",
    );
    write("store/store.go", &store_text("", flush_body));
    temp
}

/// `store/store.go`, with `prefix` before its package clause and `flush_body` as the body of the
/// helper `Save` calls.
fn store_text(prefix: &str, flush_body: &str) -> String {
    format!(
        "{prefix}package store\n\nimport \"os\"\n\ntype Store struct {{\n\tpath string\n}}\n\nfunc (s *Store) Save(data []byte) error {{\n\treturn s.flush(data)\n}}\n\nfunc (s *Store) flush(data []byte) error {{\n\t{flush_body}\n}}\n\nfunc (s *Store) Remove() error {{ return os.Remove(s.path) }}\n"
    )
}

const NO_IO: &str = "_ = data\n\treturn nil";
const FILE_IO: &str = "return os.WriteFile(s.path, data, 0o600)";

#[test]
fn moving_the_declarations_of_a_package_keeps_its_dependents_entries() {
    // The package's own other file and a file of another package that calls into it.
    let module = module();
    let cache = tempfile::tempdir().expect("cache dir");
    cached_equals_fresh(module.path(), cache.path(), &[]);
    let b = module.path().join("p/b.go");
    let text = std::fs::read_to_string(&b).expect("read");
    std::fs::write(&b, format!("// A line that moves every declaration below it.\n\n{text}")).expect("write");
    let stats = cached_equals_fresh(module.path(), cache.path(), &[]);
    // p/b.go itself is linted again; p/a.go and q/c.go read only p's declarations and summaries.
    assert_eq!(stats, "cache: 4 hits, 1 misses (0 entries rejected), 1 stored");

    // An imported package whose declarations move: the importer's finding stays as it was.
    let module = lock_module(FILE_IO);
    cached_equals_fresh(module.path(), cache.path(), &[]);
    let output = String::from_utf8_lossy(&run(module.path(), cache.path(), &[]).output.stdout).into_owned();
    assert!(output.contains("lock-across-io"), "{output}");
    std::fs::write(module.path().join("store/store.go"), store_text("// Package store keeps data.\n\n\n", FILE_IO))
        .expect("write");
    let stats = cached_equals_fresh(module.path(), cache.path(), &[]);
    assert_eq!(stats, "cache: 1 hits, 1 misses (0 entries rejected), 1 stored");
}

#[test]
fn a_changed_summary_re_lints_the_dependents_even_when_declarations_also_move() {
    let module = lock_module(NO_IO);
    let cache = tempfile::tempdir().expect("cache dir");
    cached_equals_fresh(module.path(), cache.path(), &[]);
    let output = String::from_utf8_lossy(&run(module.path(), cache.path(), &[]).output.stdout).into_owned();
    assert!(!output.contains("lock-across-io"), "{output}");
    // `flush` now writes a file: `Save` may block, so `Put` holds its lock across I/O. Only a
    // body changed (no declaration moved), yet the importer's entry is rejected.
    std::fs::write(module.path().join("store/store.go"), store_text("", FILE_IO)).expect("write");
    let stats = cached_equals_fresh(module.path(), cache.path(), &[]);
    assert_eq!(stats, "cache: 0 hits, 2 misses (1 entries rejected), 2 stored");
    let output = String::from_utf8_lossy(&run(module.path(), cache.path(), &[]).output.stdout).into_owned();
    assert!(output.contains("which calls os.WriteFile"), "{output}");
    // And back, with the declarations moved as well.
    std::fs::write(module.path().join("store/store.go"), store_text("// Moved.\n", NO_IO)).expect("write");
    let stats = cached_equals_fresh(module.path(), cache.path(), &[]);
    assert_eq!(stats, "cache: 0 hits, 2 misses (1 entries rejected), 2 stored");
    // (A changed signature: see a_changed_file_re_lints_its_package_and_the_files_that_read_its_facts.)
}

#[test]
fn a_test_run_leaves_the_users_cache_directory_alone() {
    // Every test starts the binary through `support`, which points the cache at the test
    // run's own directory: a `check` with HOME and XDG_CACHE_HOME in an empty directory
    // writes nothing there.
    let module = module();
    let home = tempfile::tempdir().expect("home");
    let output = support::golint_guard()
        .args(["check", "--no-config", "--exit-zero", "./..."])
        .current_dir(module.path())
        .env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join(".cache"))
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let left: Vec<_> = std::fs::read_dir(home.path()).expect("read home").collect();
    assert!(left.is_empty(), "the test run wrote to HOME: {left:?}");
    // The run did use a cache: the test run's own.
    assert!(!entries(support::cache_dir()).is_empty(), "no entries in {}", support::cache_dir().display());
}

#[test]
fn a_lint_that_read_a_file_changed_during_the_run_is_not_stored() {
    // `go loop()` runs a function declared in another file: the lint of a.go reads b.go, and
    // finds the declaration at the line the pre-pass saw it on. An entry that used a file
    // modified after the run began could pair one version's positions with another's text.
    let temp = tempfile::tempdir().expect("temp dir");
    std::fs::write(temp.path().join("go.mod"), "module example.com/m\n\ngo 1.22\n").expect("write");
    std::fs::write(temp.path().join("a.go"), "package m\n\nfunc start() {\n\tgo loop()\n}\n").expect("write");
    let b = temp.path().join("b.go");
    std::fs::write(&b, "package m\n\nfunc loop() {\n\tfor {\n\t}\n}\n").expect("write");
    let set_modified = |path: &Path, when: std::time::SystemTime| {
        std::fs::File::options().write(true).open(path).and_then(|file| file.set_modified(when)).expect("set mtime");
    };
    let now = std::time::SystemTime::now();
    let hour = std::time::Duration::from_secs(3600);
    set_modified(&temp.path().join("a.go"), now - hour);
    // b.go as if written while the run was under way.
    set_modified(&b, now + hour);
    let cache = tempfile::tempdir().expect("cache dir");
    let cold = run(temp.path(), cache.path(), &[]);
    assert!(String::from_utf8_lossy(&cold.output.stdout).contains("(the loop is at b.go:4)"));
    // b.go's own result is kept; a.go's, which read b.go, is not.
    assert_eq!(cold.stats, "cache: 0 hits, 2 misses (0 entries rejected), 1 stored");
    let stats = cached_equals_fresh(temp.path(), cache.path(), &[]);
    assert_eq!(stats, "cache: 1 hits, 1 misses (0 entries rejected), 0 stored");
    // Once b.go is older than the run, it is.
    set_modified(&b, now - hour);
    let stats = cached_equals_fresh(temp.path(), cache.path(), &[]);
    assert_eq!(stats, "cache: 1 hits, 1 misses (0 entries rejected), 1 stored");
    let stats = cached_equals_fresh(temp.path(), cache.path(), &[]);
    assert_eq!(stats, "cache: 2 hits, 0 misses (0 entries rejected), 0 stored");
}

const HOUR: std::time::Duration = std::time::Duration::from_secs(60 * 60);
const DAY: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

fn set_mtime(path: &Path, when: std::time::SystemTime) {
    std::fs::File::options().write(true).open(path).and_then(|file| file.set_modified(when)).expect("set mtime");
}

fn mtime(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path).and_then(|metadata| metadata.modified()).expect("mtime")
}

/// Pretend the last trim was `age` ago.
fn stamp_trim(cache: &Path, age: std::time::Duration) {
    let when = std::time::SystemTime::now() - age;
    let seconds = when.duration_since(std::time::SystemTime::UNIX_EPOCH).expect("after 1970").as_secs();
    std::fs::write(cache.join("results/trim.txt"), seconds.to_string()).expect("write stamp");
}

/// This build's entry directory: the one directory under `results`.
fn build_dir(cache: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(cache.join("results"))
        .expect("results")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs[0].clone()
}

#[test]
fn a_hit_refreshes_an_entrys_time_only_when_it_is_an_hour_old() {
    let module = module();
    let cache = tempfile::tempdir().expect("cache dir");
    cached_equals_fresh(module.path(), cache.path(), &[]);
    let all = entries(cache.path());
    let (old, recent) = (all[0].digest.clone(), all[1].digest.clone());
    let now = std::time::SystemTime::now();
    let recent_use = unix_seconds(now - HOUR / 2);
    rewrite_entries(cache.path(), |entry| {
        Some(match &entry.digest {
            digest if *digest == old => unix_seconds(now - 3 * DAY),
            digest if *digest == recent => recent_use,
            _ => entry.used,
        })
    });
    let stats = cached_equals_fresh(module.path(), cache.path(), &[]);
    assert_eq!(hits(&stats), 5, "{stats}");
    let used =
        |digest: &[u8]| entries(cache.path()).into_iter().find(|entry| entry.digest == digest).expect("kept").used;
    // Refreshed to about now (the run's start).
    assert!(used(&old) >= unix_seconds(now) - 60, "{}", used(&old));
    // Used half an hour ago: left as it was.
    assert_eq!(used(&recent), recent_use);
    // A warm run that refreshes nothing writes nothing: the pack is the same file, as it was.
    let pack = &result_packs(cache.path())[0];
    let before = (std::fs::read(pack).expect("read"), mtime(pack));
    let stats = cached_equals_fresh(module.path(), cache.path(), &[]);
    assert_eq!(hits(&stats), 5, "{stats}");
    assert_eq!((std::fs::read(pack).expect("read"), mtime(pack)), before);
    // The pack's own mtime, which the trim goes by, is refreshed as a file's is.
    set_mtime(pack, now - 3 * DAY);
    cached_equals_fresh(module.path(), cache.path(), &[]);
    assert!(mtime(pack) >= now - std::time::Duration::from_secs(60), "{:?}", mtime(pack));
}

#[test]
fn entries_unused_for_five_days_are_left_out_when_their_pack_is_rewritten() {
    let module = module();
    let cache = tempfile::tempdir().expect("cache dir");
    cached_equals_fresh(module.path(), cache.path(), &[]);
    let d = module.path().join("r/d.go");
    let original = std::fs::read_to_string(&d).expect("read");
    let edit_d = |call: &str| std::fs::write(&d, original.replace("os.Remove(\"y\")", call)).expect("write");
    // Every entry last used four days ago; r/d.go changes, so its old entry is not used.
    let now = std::time::SystemTime::now();
    let old_d = entries(cache.path()).into_iter().find(|entry| entry.body.contains("r/d.go")).expect("d's entry");
    rewrite_entries(cache.path(), |_| Some(unix_seconds(now - 4 * DAY)));
    edit_d("os.Remove(\"z\")");
    let stats = cached_equals_fresh(module.path(), cache.path(), &[]);
    assert_eq!(stats, "cache: 4 hits, 1 misses (0 entries rejected), 1 stored");
    // The pack was rewritten: the new entry and the four used ones are as of now, and the
    // unused one is kept as it was (four days is within the limit).
    let kept = entries(cache.path());
    assert_eq!(kept.len(), 6, "{kept:?}");
    let fresh_ones = kept.iter().filter(|entry| entry.used >= unix_seconds(now) - 60).count();
    assert_eq!(fresh_ones, 5, "{kept:?}");
    assert!(kept.iter().any(|entry| entry.digest == old_d.digest && entry.used == unix_seconds(now - 4 * DAY)));
    // Once it is six days old, the next rewrite leaves it out. Going back to the old text finds
    // nothing, and stores it again.
    rewrite_entries(cache.path(), |entry| {
        Some(if entry.digest == old_d.digest { unix_seconds(now - 6 * DAY) } else { entry.used })
    });
    edit_d("os.Remove(\"w\")");
    let stats = cached_equals_fresh(module.path(), cache.path(), &[]);
    assert_eq!(stats, "cache: 4 hits, 1 misses (0 entries rejected), 1 stored");
    let kept = entries(cache.path());
    assert_eq!(kept.len(), 6, "the six-day-old entry went, the new one came: {kept:?}");
    assert!(!kept.iter().any(|entry| entry.digest == old_d.digest));
    edit_d("os.Remove(\"y\")");
    let stats = cached_equals_fresh(module.path(), cache.path(), &[]);
    assert_eq!(stats, "cache: 4 hits, 1 misses (0 entries rejected), 1 stored");
}

#[test]
fn cache_files_unused_for_five_days_are_removed_at_most_once_a_day() {
    let (module, other) = (module(), module());
    let cache = tempfile::tempdir().expect("cache dir");
    cached_equals_fresh(module.path(), cache.path(), &[]);
    // A run stamps the trim: the first one trimmed an empty cache.
    let stamp = cache.path().join("results/trim.txt");
    assert!(stamp.exists());
    // Another tree's files (its snapshot, index and packs), not used since six days ago.
    let own = cache_files(cache.path());
    assert_eq!(own.len(), 4, "a snapshot, an index, a scan pack and a result pack: {own:?}");
    cached_equals_fresh(other.path(), cache.path(), &[]);
    let others: Vec<PathBuf> = cache_files(cache.path()).into_iter().filter(|path| !own.contains(path)).collect();
    assert_eq!(others.len(), 4, "{others:?}");
    let now = std::time::SystemTime::now();
    for file in &others {
        set_mtime(file, now - 6 * DAY);
    }
    // Trimmed less than a day ago: nothing is removed.
    stamp_trim(cache.path(), 23 * HOUR);
    assert_eq!(hits(&cached_equals_fresh(module.path(), cache.path(), &[])), 5);
    assert_eq!(cache_files(cache.path()).len(), 8);
    // A day later the trim runs: the other tree's files go, the used ones stay.
    stamp_trim(cache.path(), DAY + HOUR);
    assert_eq!(hits(&cached_equals_fresh(module.path(), cache.path(), &[])), 5);
    assert_eq!(cache_files(cache.path()), own);
    // The stamp now says the trim just ran.
    let seconds: u64 = std::fs::read_to_string(&stamp).expect("stamp").trim().parse().expect("seconds");
    let stamped = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds);
    assert!(now.duration_since(stamped).map_or(true, |age| age < HOUR), "{seconds}");
    // Files unused for four days are kept, as is an unreadable stamp's cache (it trims).
    cached_equals_fresh(other.path(), cache.path(), &[]);
    for file in cache_files(cache.path()).into_iter().filter(|path| !own.contains(path)) {
        set_mtime(&file, now - 4 * DAY);
    }
    std::fs::write(&stamp, "not a time").expect("write");
    assert_eq!(hits(&cached_equals_fresh(module.path(), cache.path(), &[])), 5);
    assert_eq!(cache_files(cache.path()).len(), 8);
    // The other tree's entries are all still there: its next run reads them all.
    assert_eq!(hits(&cached_equals_fresh(other.path(), cache.path(), &[])), 5);
}

#[test]
fn a_trim_removes_other_builds_entries_unused_for_a_day_and_never_a_fresh_temporary_file() {
    let module = module();
    let cache = tempfile::tempdir().expect("cache dir");
    cached_equals_fresh(module.path(), cache.path(), &[]);
    let results = cache.path().join("results");
    let own = build_dir(cache.path());
    let now = std::time::SystemTime::now();
    let put = |path: PathBuf, age: std::time::Duration| {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, "golint-guard-result 0\n").expect("write");
        set_mtime(&path, now - age);
        path
    };
    let hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";
    // Another build's entries: one unused for two days, one used an hour ago.
    let other_old = put(results.join("00000000deadbeef/ab").join(hex), 2 * DAY + HOUR);
    let other_recent = put(results.join("00000000deadbeef/cd").join(hex), HOUR);
    // The layout before build directories (format 1).
    let flat_old = put(results.join("ef").join(hex), 2 * DAY + HOUR);
    // Temporary files: one being written now, one a killed run left a week ago.
    let writing = put(own.join("ab/.entryAbC123"), std::time::Duration::ZERO);
    let abandoned = put(own.join("ab/.entryXyZ789"), 7 * DAY);
    // Something that is not an entry, however old, is not the trim's to remove.
    let other_file = put(own.join("ab/notes"), 30 * DAY);
    // Two runs at once, both due to trim: both succeed and report what a fresh run reports.
    stamp_trim(cache.path(), 2 * DAY);
    let fresh = run(module.path(), cache.path(), &["--no-cache"]).output.stdout;
    let start = || {
        support::golint_guard()
            .args(["check", "--no-config", "--exit-zero", "--format", "json"])
            .current_dir(module.path())
            .env("GOLINT_GUARD_CACHE_DIR", cache.path())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start")
    };
    let (first, second) = (start(), start());
    for child in [first, second] {
        let output = child.wait_with_output().expect("wait");
        assert!(output.status.success());
        assert_eq!(String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&fresh));
    }
    for gone in [&other_old, &flat_old, &abandoned] {
        assert!(!gone.exists(), "{} was kept", gone.display());
    }
    for kept in [&other_recent, &writing, &other_file] {
        assert!(kept.exists(), "{} was removed", kept.display());
    }
    // The emptied directories of the old layout and of the other build go with them.
    assert!(!results.join("ef").exists());
    assert!(!results.join("00000000deadbeef/ab").exists());
    // This build's entries, used, stay: the next run reads them all.
    assert_eq!(entries(cache.path()).iter().filter(|entry| entry.pack.starts_with(&own)).count(), 5);
    assert_eq!(hits(&cached_equals_fresh(module.path(), cache.path(), &[])), 5);
}
