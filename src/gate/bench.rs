//! Benchmark results from `go test -run '^$' -bench … -benchmem`, and how they compare with
//! the targets in `[[gate.bench]]`.

use super::config::BenchTarget;

#[derive(Debug, Clone, PartialEq)]
pub struct BenchResult {
    /// As printed, with the `-GOMAXPROCS` suffix (`BenchmarkSum-2`).
    pub name: String,
    pub iterations: u64,
    pub ns_per_op: Option<f64>,
    pub allocs_per_op: Option<f64>,
    pub bytes_per_op: Option<f64>,
}

/// The `Benchmark…` result lines of the output.
pub fn parse_results(output: &str) -> Vec<BenchResult> {
    output.lines().filter_map(parse_line).collect()
}

/// `BenchmarkSum-2  100  140.3 ns/op  0 B/op  0 allocs/op` (fields are tab-separated)
fn parse_line(line: &str) -> Option<BenchResult> {
    let mut fields = line.split_whitespace();
    let name = fields.next()?;
    if !name.starts_with("Benchmark") {
        return None;
    }
    let iterations: u64 = fields.next()?.parse().ok()?;
    let mut result =
        BenchResult { name: name.to_string(), iterations, ns_per_op: None, allocs_per_op: None, bytes_per_op: None };
    let rest: Vec<&str> = fields.collect();
    for pair in rest.chunks(2) {
        let [value, unit] = pair else { break };
        let Ok(value) = value.parse::<f64>() else { continue };
        match *unit {
            "ns/op" => result.ns_per_op = Some(value),
            "allocs/op" => result.allocs_per_op = Some(value),
            "B/op" => result.bytes_per_op = Some(value),
            _ => {}
        }
    }
    Some(result)
}

/// Whether a printed name is the configured one: exactly, or with the `-N` GOMAXPROCS suffix.
pub fn name_matches(printed: &str, configured: &str) -> bool {
    printed == configured
        || printed
            .strip_prefix(configured)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|procs| !procs.is_empty() && procs.bytes().all(|byte| byte.is_ascii_digit()))
}

/// `-bench` regexp for targets: the top-level names, anchored (sub-benchmarks run under them).
pub fn bench_pattern(targets: &[&BenchTarget]) -> String {
    let mut names: Vec<String> =
        targets.iter().map(|target| regex::escape(target.name.split('/').next().unwrap_or(&target.name))).collect();
    names.sort();
    names.dedup();
    format!("^({})$", names.join("|"))
}

/// How a result misses its target, if it does.
pub fn misses(target: &BenchTarget, result: &BenchResult) -> Vec<String> {
    let mut misses = Vec::new();
    if let Some(max) = target.max_ns_per_op {
        match result.ns_per_op {
            Some(measured) if measured > max => {
                misses.push(format!("{} ns/op, target ≤ {} ns/op", format_number(measured), format_number(max)))
            }
            None => misses.push("no ns/op figure in the output".into()),
            _ => {}
        }
    }
    if let Some(max) = target.max_allocs_per_op {
        match result.allocs_per_op {
            Some(measured) if measured > max => {
                misses.push(format!("{} allocs/op, target ≤ {} allocs/op", format_number(measured), format_number(max)))
            }
            None => misses.push("no allocs/op figure in the output".into()),
            _ => {}
        }
    }
    misses
}

pub fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{value:.0}") } else { format!("{value}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "goos: linux
goarch: amd64
pkg: example.com/t
cpu: Intel(R) Xeon(R) Processor
BenchmarkSum-2   	     100	       140.3 ns/op	       0 B/op	       0 allocs/op
BenchmarkSub/size-10-2         	     100	         2.160 ns/op	       0 B/op	       0 allocs/op
BenchmarkOne 	 5	 3 ns/op
--- FAIL: BenchmarkBroken
PASS
ok  	example.com/t	0.031s
";

    fn target(name: &str, ns: Option<f64>, allocs: Option<f64>) -> BenchTarget {
        BenchTarget { name: name.into(), package: ".".into(), max_ns_per_op: ns, max_allocs_per_op: allocs }
    }

    #[test]
    fn result_lines() {
        let results = parse_results(OUTPUT);
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].name, "BenchmarkSum-2");
        assert_eq!(results[0].ns_per_op, Some(140.3));
        assert_eq!(results[0].allocs_per_op, Some(0.0));
        assert_eq!(results[2].allocs_per_op, None);
        assert!(name_matches("BenchmarkSub/size-10-2", "BenchmarkSub/size-10"));
        assert!(name_matches("BenchmarkOne", "BenchmarkOne"));
        assert!(!name_matches("BenchmarkSumAll-2", "BenchmarkSum"));
    }

    #[test]
    fn targets_and_misses() {
        let slow = target("BenchmarkSum", Some(100.0), Some(0.0));
        let results = parse_results(OUTPUT);
        assert_eq!(misses(&slow, &results[0]), vec!["140.3 ns/op, target ≤ 100 ns/op"]);
        assert!(misses(&target("BenchmarkSum", Some(200.0), None), &results[0]).is_empty());
        assert_eq!(
            misses(&target("BenchmarkOne", None, Some(1.0)), &results[2]),
            vec!["no allocs/op figure in the output"]
        );
        let sub = target("BenchmarkSub/size-10", Some(1.0), None);
        assert_eq!(bench_pattern(&[&slow, &sub]), "^(BenchmarkSub|BenchmarkSum)$");
    }
}
