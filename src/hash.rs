//! The crate's hash maps and sets: std's, with foldhash in place of SipHash. Keys are node ids,
//! names and paths; SipHash's resistance to crafted collisions costs about five times as many
//! instructions a lookup, which was 5% of a check's CPU on the standard library. foldhash still
//! seeds each map at random, so nothing may depend on iteration order (as before).
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
pub use foldhash::{HashMapExt, HashSetExt};
