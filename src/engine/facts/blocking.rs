//! Standard-library calls that block the calling goroutine on I/O or on another goroutine: the
//! seeds of the "may block" summary (RULES.md A8 `lock-across-io`).
//!
//! The table lists what waits on the network, the disk, a child process, a timer or other
//! goroutines: `net` dials and lookups and connection reads and writes, `net/http` client
//! requests and servers, `database/sql` queries, execs, scans and transactions, `os` file
//! operations and `*os.File` reads and writes, `io.Copy`/`ReadAll`/`ReadFull`, `os/exec` runs and
//! waits, `time.Sleep` and `(*sync.WaitGroup).Wait`.
//!
//! Deliberately absent:
//! - `(*sync.Cond).Wait`: it releases the lock it is called under, which is the point of it;
//! - `bufio` reads and writes: whether they touch a file depends on what they wrap;
//! - `Close` methods: usually quick, and closing under a lock is a common, correct shape;
//! - `sync.Mutex` locking: waiting for another lock is a deadlock question (RULES.md D*), not I/O;
//! - `(*exec.Cmd).Start`: it starts the child and returns.
//!
//! Methods are keyed by their receiver's base type and apply to both `T` and `*T` values: a
//! value of an addressable variable can call pointer methods.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A blocking standard-library function or method: a small handle into the table. It prints
/// as code names it: `net.Dial`, `(*os.File).Write`, `(net.Conn).Read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockingCall {
    /// Index into `FUNCS` (for a function) or `METHODS` (for a method).
    entry: u16,
    /// Index into the entry's names.
    name: u16,
    method: bool,
}

impl BlockingCall {
    /// The import path: `net/http`.
    pub fn package_path(self) -> &'static str {
        if self.method { METHODS[self.entry as usize].0 } else { FUNCS[self.entry as usize].0 }
    }

    /// The package's name as code writes it: `http` for `net/http`.
    pub fn package_name(self) -> &'static str {
        package_name(self.package_path())
    }

    /// The receiver's type name and whether the method has a pointer receiver.
    pub fn receiver(self) -> Option<(&'static str, bool)> {
        self.method.then(|| {
            let (_, receiver, pointer, _) = METHODS[self.entry as usize];
            (receiver, pointer)
        })
    }

    pub fn name(self) -> &'static str {
        let names = if self.method { METHODS[self.entry as usize].3 } else { FUNCS[self.entry as usize].1 };
        names[self.name as usize]
    }
}

impl fmt::Display for BlockingCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (package, name) = (self.package_name(), self.name());
        match self.receiver() {
            None => write!(f, "{package}.{name}"),
            Some((type_name, true)) => write!(f, "(*{package}.{type_name}).{name}"),
            Some((type_name, false)) => write!(f, "({package}.{type_name}).{name}"),
        }
    }
}

/// Package-level functions: (import path, names).
const FUNCS: &[(&str, &[&str])] = &[
    (
        "net",
        &[
            "Dial",
            "DialIP",
            "DialTCP",
            "DialTimeout",
            "DialUDP",
            "DialUnix",
            "LookupAddr",
            "LookupCNAME",
            "LookupHost",
            "LookupIP",
            "LookupMX",
            "LookupNS",
            "LookupPort",
            "LookupSRV",
            "LookupTXT",
            "ResolveIPAddr",
            "ResolveTCPAddr",
            "ResolveUDPAddr",
        ],
    ),
    ("net/http", &["Get", "Head", "ListenAndServe", "ListenAndServeTLS", "Post", "PostForm", "Serve", "ServeTLS"]),
    ("net/smtp", &["Dial", "SendMail"]),
    ("net/rpc", &["Dial", "DialHTTP", "DialHTTPPath"]),
    ("crypto/tls", &["Dial", "DialWithDialer"]),
    (
        "os",
        &[
            "Chdir",
            "Chmod",
            "Chown",
            "Chtimes",
            "CopyFS",
            "Create",
            "CreateTemp",
            "Lchown",
            "Link",
            "Lstat",
            "Mkdir",
            "MkdirAll",
            "MkdirTemp",
            "Open",
            "OpenFile",
            "OpenInRoot",
            "OpenRoot",
            "ReadDir",
            "ReadFile",
            "Readlink",
            "Remove",
            "RemoveAll",
            "Rename",
            "Stat",
            "Symlink",
            "Truncate",
            "WriteFile",
        ],
    ),
    ("io/ioutil", &["ReadAll", "ReadDir", "ReadFile", "TempDir", "TempFile", "WriteFile"]),
    ("io", &["Copy", "CopyBuffer", "CopyN", "ReadAll", "ReadAtLeast", "ReadFull"]),
    ("path/filepath", &["Glob", "Walk", "WalkDir"]),
    ("fmt", &["Scan", "Scanf", "Scanln"]),
    ("time", &["Sleep"]),
];

/// Methods: (import path, receiver type, pointer receiver, names).
const METHODS: &[(&str, &str, bool, &[&str])] = &[
    ("net", "Conn", false, &["Read", "Write"]),
    ("net", "PacketConn", false, &["ReadFrom", "WriteTo"]),
    ("net", "Listener", false, &["Accept"]),
    ("net", "TCPConn", true, &["Read", "ReadFrom", "Write", "WriteTo"]),
    (
        "net",
        "UDPConn",
        true,
        &[
            "Read",
            "ReadFrom",
            "ReadFromUDP",
            "ReadFromUDPAddrPort",
            "ReadMsgUDP",
            "Write",
            "WriteMsgUDP",
            "WriteTo",
            "WriteToUDP",
        ],
    ),
    (
        "net",
        "UnixConn",
        true,
        &["Read", "ReadFrom", "ReadFromUnix", "ReadMsgUnix", "Write", "WriteMsgUnix", "WriteTo", "WriteToUnix"],
    ),
    (
        "net",
        "IPConn",
        true,
        &["Read", "ReadFrom", "ReadFromIP", "ReadMsgIP", "Write", "WriteMsgIP", "WriteTo", "WriteToIP"],
    ),
    ("net", "TCPListener", true, &["Accept", "AcceptTCP"]),
    ("net", "UnixListener", true, &["Accept", "AcceptUnix"]),
    ("net", "Dialer", true, &["Dial", "DialContext"]),
    ("net", "ListenConfig", true, &["Listen", "ListenPacket"]),
    (
        "net",
        "Resolver",
        true,
        &[
            "LookupAddr",
            "LookupCNAME",
            "LookupHost",
            "LookupIP",
            "LookupIPAddr",
            "LookupMX",
            "LookupNS",
            "LookupNetIP",
            "LookupPort",
            "LookupSRV",
            "LookupTXT",
        ],
    ),
    ("net/http", "Client", true, &["Do", "Get", "Head", "Post", "PostForm"]),
    ("net/http", "Server", true, &["ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS", "Shutdown"]),
    ("net/http", "RoundTripper", false, &["RoundTrip"]),
    ("net/http", "Transport", true, &["RoundTrip"]),
    ("net/rpc", "Client", true, &["Call"]),
    ("net/smtp", "Client", true, &["Auth", "Data", "Hello", "Mail", "Rcpt", "StartTLS", "Verify"]),
    ("crypto/tls", "Conn", true, &["Handshake", "HandshakeContext", "Read", "Write"]),
    ("crypto/tls", "Dialer", true, &["Dial", "DialContext"]),
    (
        "database/sql",
        "DB",
        true,
        &[
            "Begin",
            "BeginTx",
            "Conn",
            "Exec",
            "ExecContext",
            "Ping",
            "PingContext",
            "Prepare",
            "PrepareContext",
            "Query",
            "QueryContext",
            "QueryRow",
            "QueryRowContext",
        ],
    ),
    (
        "database/sql",
        "Tx",
        true,
        &[
            "Commit",
            "Exec",
            "ExecContext",
            "Prepare",
            "PrepareContext",
            "Query",
            "QueryContext",
            "QueryRow",
            "QueryRowContext",
            "Rollback",
        ],
    ),
    (
        "database/sql",
        "Conn",
        true,
        &["BeginTx", "ExecContext", "PingContext", "PrepareContext", "QueryContext", "QueryRowContext", "Raw"],
    ),
    ("database/sql", "Stmt", true, &["Exec", "ExecContext", "Query", "QueryContext", "QueryRow", "QueryRowContext"]),
    ("database/sql", "Rows", true, &["Next", "NextResultSet", "Scan"]),
    ("database/sql", "Row", true, &["Scan"]),
    (
        "os",
        "File",
        true,
        &[
            "Chmod",
            "Chown",
            "ReadAt",
            "ReadDir",
            "ReadFrom",
            "Read",
            "Readdir",
            "Readdirnames",
            "Stat",
            "Sync",
            "Truncate",
            "Write",
            "WriteAt",
            "WriteString",
            "WriteTo",
        ],
    ),
    ("os", "Process", true, &["Wait"]),
    ("os/exec", "Cmd", true, &["CombinedOutput", "Output", "Run", "Wait"]),
    ("sync", "WaitGroup", true, &["Wait"]),
];

/// The package name code uses for a standard-library import path (its last element, without
/// a `/vN` suffix).
fn package_name(path: &'static str) -> &'static str {
    // No table entry has a `/vN` suffix.
    path.rsplit('/').next().unwrap_or(path)
}

/// A blocking package-level function: `blocking_func("net", "Dial")`.
pub fn blocking_func(pkg_path: &str, name: &str) -> Option<BlockingCall> {
    let entry = FUNCS.iter().position(|(path, _)| *path == pkg_path)?;
    let index = FUNCS[entry].1.iter().position(|candidate| *candidate == name)?;
    Some(BlockingCall { entry: entry as u16, name: index as u16, method: false })
}

/// A blocking method of a standard-library type, by the type's name without `*`:
/// `blocking_method("os", "File", "Write")`.
pub fn blocking_method(pkg_path: &str, type_name: &str, name: &str) -> Option<BlockingCall> {
    let entry = METHODS.iter().position(|(path, receiver, _, _)| *path == pkg_path && *receiver == type_name)?;
    let index = METHODS[entry].3.iter().position(|candidate| *candidate == name)?;
    Some(BlockingCall { entry: entry as u16, name: index as u16, method: true })
}

/// True for an import path the table has entries for; other standard-library packages' calls
/// are taken as non-blocking.
pub fn has_blocking_entries(pkg_path: &str) -> bool {
    FUNCS.iter().any(|(path, _)| *path == pkg_path) || METHODS.iter().any(|(path, ..)| *path == pkg_path)
}

/// Calls that take a context first but only read from it or derive a new one, so the
/// "a call taking a context may block" convention does not apply: `trace.SpanFromContext(ctx)`,
/// `log.Ctx(ctx)`, `metadata.FromIncomingContext(ctx)`, `logger.InfoContext(ctx, ...)`,
/// `tracer.Start(ctx, "op")`-style span starts are left to the names below.
pub fn is_context_accessor(name: &str) -> bool {
    const LOGGING: &[&str] = &["Debug", "Info", "Warn", "Error", "Log", "Trace", "Print"];
    name.starts_with("With")
        || name.starts_with("From")
        || name.ends_with("FromContext")
        || name.ends_with("FromIncomingContext")
        || name.ends_with("FromOutgoingContext")
        || matches!(name, "Ctx" | "NewContext" | "StartSpan" | "SpanFromContext" | "Value" | "Err" | "Done")
        || LOGGING.iter().any(|level| {
            name.strip_prefix(level)
                .is_some_and(|rest| matches!(rest, "Context" | "Ctx" | "fContext" | "fCtx" | "wCtx"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_and_display() {
        assert_eq!(blocking_func("net", "Dial").map(|call| call.to_string()).as_deref(), Some("net.Dial"));
        assert_eq!(
            blocking_method("os", "File", "Write").map(|call| call.to_string()).as_deref(),
            Some("(*os.File).Write")
        );
        assert_eq!(
            blocking_method("net", "Conn", "Read").map(|call| call.to_string()).as_deref(),
            Some("(net.Conn).Read")
        );
        assert_eq!(
            blocking_method("database/sql", "DB", "QueryContext").map(|call| call.to_string()).as_deref(),
            Some("(*sql.DB).QueryContext")
        );
        assert!(blocking_method("sync", "Cond", "Wait").is_none());
        assert!(blocking_method("sync", "WaitGroup", "Wait").is_some());
        assert!(blocking_func("os", "Getenv").is_none());
        assert!(blocking_func("time", "Sleep").is_some());
        assert!(has_blocking_entries("os/exec"));
        assert!(!has_blocking_entries("strings"));
    }

    #[test]
    fn context_accessors() {
        for name in ["WithTimeout", "FromContext", "SpanFromContext", "InfoContext", "Ctx", "ErrorContext"] {
            assert!(is_context_accessor(name), "{name}");
        }
        for name in ["Get", "Query", "Do", "Send", "Start"] {
            assert!(!is_context_accessor(name), "{name}");
        }
    }
}
