//! Module groups: the parts of a tree whose pre-pass facts can be built and dropped one after
//! another, so a run over many modules holds one group's facts at a time.
//!
//! A file looks packages up by import path. A module can only import another module's packages
//! when its go.mod requires that module, the two are in one go.work, or the other is the
//! standard library (`std`, as in `$GOROOT/src`). Modules joined by any of these are one group;
//! every import a group's files can make then resolves inside the group, as it does against the
//! whole tree. Two modules with the same path that do not require each other (copies of one
//! module) are separate groups, each resolving its imports to itself, as `go build` in either
//! would.
//!
//! A file outside every module may import anything by path: a tree with such files is one group.

use crate::discover::{Discovery, ModuleIndex};
use std::path::PathBuf;

/// One module group's files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    /// The discovered files: what is linted, sorted.
    pub files: Vec<PathBuf>,
    /// `files` and the group's context files ([`Discovery::context`]), sorted: what its
    /// pre-pass reads.
    pub facts_files: Vec<PathBuf>,
}

impl Group {
    fn whole(discovery: &Discovery) -> Group {
        Group { files: discovery.files.clone(), facts_files: discovery.facts_files() }
    }
}

/// The discovered files split by module group, each group's files in discovery order (sorted),
/// groups in the order of their first file. One group when nothing can be split. A context
/// file joins the group of its module; one whose group has no discovered file is left out.
pub fn module_groups(discovery: &Discovery, modules: &ModuleIndex) -> Vec<Group> {
    let count = discovery.modules.len();
    let index_of_root: crate::hash::HashMap<&std::path::Path, usize> =
        discovery.modules.iter().enumerate().map(|(index, module)| (module.root.as_path(), index)).collect();
    let mut module_of_file = Vec::with_capacity(discovery.files.len());
    for file in &discovery.files {
        let index = modules.module_for(file).and_then(|module| index_of_root.get(module.root.as_path()));
        let Some(&index) = index else { return vec![Group::whole(discovery)] };
        module_of_file.push(index);
    }
    let mut groups = UnionFind::new(count);
    for (index, module) in discovery.modules.iter().enumerate() {
        let required = crate::discover::module_requires(&module.root);
        for (other_index, other) in discovery.modules.iter().enumerate() {
            if other_index == index || other.module_path == module.module_path {
                continue;
            }
            let joined = required.contains(&other.module_path)
                || other.module_path == "std"
                || (module.workspace.is_some() && module.workspace == other.workspace);
            if joined {
                groups.union(index, other_index);
            }
        }
    }
    let mut group_of_root: Vec<Option<usize>> = vec![None; count];
    let mut by_group: Vec<Group> = Vec::new();
    for (file, module) in discovery.files.iter().zip(module_of_file) {
        let root = groups.find(module);
        let group = *group_of_root[root].get_or_insert_with(|| {
            by_group.push(Group::default());
            by_group.len() - 1
        });
        by_group[group].files.push(file.clone());
    }
    for group in &mut by_group {
        group.facts_files = group.files.clone();
    }
    for file in &discovery.context {
        let index = modules.module_for(file).and_then(|module| index_of_root.get(module.root.as_path()));
        if let Some(group) = index.and_then(|&index| group_of_root[groups.find(index)]) {
            by_group[group].facts_files.push(file.clone());
        }
    }
    for group in &mut by_group {
        if group.facts_files.len() > group.files.len() {
            group.facts_files.sort();
        }
    }
    if by_group.is_empty() {
        by_group.push(Group::default());
    }
    by_group
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(count: usize) -> UnionFind {
        UnionFind { parent: (0..count).collect() }
    }

    fn find(&mut self, mut node: usize) -> usize {
        while self.parent[node] != node {
            self.parent[node] = self.parent[self.parent[node]];
            node = self.parent[node];
        }
        node
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.parent[a.max(b)] = a.min(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> (tempfile::TempDir, Discovery) {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        let target = crate::discover::parse_target(&format!("{}/...", dir.path().display())).expect("target");
        let discovery = crate::discover::discover(&[target], 1, &|_| false);
        (dir, discovery)
    }

    fn group_names(dir: &tempfile::TempDir, discovery: &Discovery) -> Vec<Vec<String>> {
        let modules = ModuleIndex::new(discovery);
        module_groups(discovery, &modules)
            .into_iter()
            .map(|group| {
                // The whole tree is a target: no file is read for facts alone.
                assert_eq!(group.facts_files, group.files);
                group
                    .files
                    .iter()
                    .map(|file| file.strip_prefix(dir.path()).expect("inside").display().to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn copies_of_one_module_are_separate_groups() {
        let (dir, discovery) = tree(&[
            ("c1/go.mod", "module std\n"),
            ("c1/a/a.go", "package a\n"),
            ("c2/go.mod", "module std\n"),
            ("c2/a/a.go", "package a\n"),
        ]);
        assert_eq!(group_names(&dir, &discovery), [["c1/a/a.go"], ["c2/a/a.go"]]);
    }

    #[test]
    fn required_workspace_and_std_modules_join_one_group() {
        let (dir, discovery) = tree(&[
            ("app/go.mod", "module example.com/app\n\nrequire (\n\texample.com/lib v1.0.0 // indirect\n)\n"),
            ("app/main.go", "package main\n"),
            ("lib/go.mod", "module example.com/lib\n"),
            ("lib/lib.go", "package lib\n"),
            ("other/go.mod", "module example.com/other\nrequire example.com/none v1.0.0\n"),
            ("other/o.go", "package other\n"),
        ]);
        assert_eq!(group_names(&dir, &discovery), vec![vec!["app/main.go", "lib/lib.go"], vec!["other/o.go"]]);

        let (dir, discovery) = tree(&[
            ("src/go.mod", "module std\n"),
            ("src/fmt/print.go", "package fmt\n"),
            ("src/cmd/go.mod", "module cmd\n"),
            ("src/cmd/vet/main.go", "package main\n"),
            ("tool/go.mod", "module example.com/tool\n"),
            ("tool/t.go", "package tool\n"),
        ]);
        assert_eq!(group_names(&dir, &discovery), [["src/cmd/vet/main.go", "src/fmt/print.go", "tool/t.go"]]);

        let (dir, discovery) = tree(&[
            ("go.work", "go 1.22\n\nuse (\n\t./a\n\t./b\n)\n"),
            ("a/go.mod", "module example.com/a\n"),
            ("a/a.go", "package a\n"),
            ("b/go.mod", "module example.com/b\n"),
            ("b/b.go", "package b\n"),
        ]);
        assert_eq!(group_names(&dir, &discovery), [["a/a.go", "b/b.go"]]);
    }

    #[test]
    fn a_file_outside_every_module_keeps_the_tree_whole() {
        let (dir, discovery) = tree(&[
            ("loose.go", "package loose\n"),
            ("c1/go.mod", "module std\n"),
            ("c1/a.go", "package a\n"),
            ("c2/go.mod", "module std\n"),
            ("c2/a.go", "package a\n"),
        ]);
        assert_eq!(group_names(&dir, &discovery), [["c1/a.go", "c2/a.go", "loose.go"]]);
    }
}
