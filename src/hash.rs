//! The crate's hash maps and sets: std's, with foldhash in place of SipHash. Keys are node ids,
//! names and paths; SipHash's hashing was 2% of a check's instructions on net/http and encoding
//! (callgrind), foldhash's costs a fraction of that. foldhash still seeds each map at random, so
//! nothing may depend on iteration order (as before).
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
