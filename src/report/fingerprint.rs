//! GitHub code scanning primaryLocationLineHash.
