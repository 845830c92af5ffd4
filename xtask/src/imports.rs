//! `cargo xtask import-cycles`: the modules of each workspace crate that import each other,
//! directly or round a longer loop.
//!
//! A module that imports a module that imports it back cannot be read, tested or moved on its
//! own; ARCHITECTURE.md promises there is none. `cargo modules` answers the same question from
//! rust-analyzer's view of a crate, but it is a large install for one check on 2 cores, so the
//! graph is read here from the sources' tokens: every path that starts at `crate`, `super` or
//! `self`, or at a child module of the module it is written in, is an edge from the file it is
//! in to the file of the module it names (`use` trees, expressions, types and macro arguments
//! alike). Inline modules (`mod tests { .. }`) resolve paths from where they stand but count as
//! their file: a file's tests importing the file is no cycle.
//!
//! A crate here is one compilation root (a library, a binary, a test, a bench, an example, a
//! build script) with the files its `mod name;` declarations reach.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// Prints each import cycle of every crate of the workspace at `root`, one line each, and
/// nothing when there is none. With `every_import`, each line is followed by every import
/// between the files of its set (what to untangle).
pub fn print_cycles(root: &Path, every_import: bool) -> Result<()> {
    for cycle in workspace_cycles(root, every_import)? {
        println!("{cycle}");
    }
    Ok(())
}

/// Every cycle of every compilation root of every workspace member, one line per set of
/// files that import each other:
/// `member: a.rs, b.rs, c.rs import each other: a.rs -> b.rs -> a.rs (a.rs: crate::b::X; b.rs: super::a::Y)`,
/// the set, then one loop within it with the first path each file writes to import the next.
/// Files are relative to `root`. With `every_import`, indented lines follow, one per import
/// between two files of the set: `  a.rs -> b.rs: crate::b::X`.
pub fn workspace_cycles(root: &Path, every_import: bool) -> Result<Vec<String>> {
    let mut cycles = Vec::new();
    for member in members(root)? {
        for crate_root in crate_roots(&root.join(&member)) {
            let graph = Graph::read(&crate_root)?;
            for (set, cycle) in graph.cycles() {
                let names: Vec<String> = set.iter().map(|file| relative(root, file)).collect();
                let chain: Vec<String> = cycle
                    .iter()
                    .chain(cycle.first())
                    .map(|file| relative(root, file))
                    .collect();
                let why: Vec<String> = cycle
                    .iter()
                    .zip(cycle.iter().cycle().skip(1))
                    .map(|(from, to)| {
                        format!("{}: {}", relative(root, from), graph.edges[from][to])
                    })
                    .collect();
                let mut text = format!(
                    "{member}: {} import each other: {} ({})",
                    names.join(", "),
                    chain.join(" -> "),
                    why.join("; ")
                );
                if every_import {
                    for from in &set {
                        let imports = graph.edges.get(from).into_iter().flatten();
                        for (to, path) in imports.filter(|(to, _)| set.contains(to)) {
                            text.push_str(&format!(
                                "\n  {} -> {}: {path}",
                                relative(root, from),
                                relative(root, to)
                            ));
                        }
                    }
                }
                cycles.push(text);
            }
        }
    }
    cycles.sort();
    cycles.dedup();
    Ok(cycles)
}

fn relative(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
}

/// The workspace members, as directories relative to `root`, from the root manifest.
fn members(root: &Path) -> Result<Vec<String>> {
    let manifest = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    let manifest: toml::Table = toml::from_str(&text).context("parsing the root Cargo.toml")?;
    let members = manifest
        .get("workspace")
        .and_then(|workspace| workspace.get("members"))
        .and_then(toml::Value::as_array)
        .context("the root Cargo.toml has no [workspace] members")?;
    Ok(members
        .iter()
        .filter_map(toml::Value::as_str)
        .map(str::to_owned)
        .collect())
}

/// Every file cargo compiles as the root of a crate of the package in `dir`.
fn crate_roots(dir: &Path) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = ["src/lib.rs", "src/main.rs", "build.rs"]
        .iter()
        .map(|file| dir.join(file))
        .filter(|file| file.is_file())
        .collect();
    for folder in ["src/bin", "tests", "benches", "examples"] {
        let Ok(entries) = std::fs::read_dir(dir.join(folder)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|ext| ext == "rs") {
                roots.push(path);
            } else if path.join("main.rs").is_file() {
                roots.push(path.join("main.rs"));
            }
        }
    }
    roots.sort();
    roots
}

/// A module's path from its crate root, such as `["core", "iam"]` (the root is `[]`).
type ModPath = Vec<String>;

/// One crate's modules and which file imports which.
struct Graph {
    /// Every module, inline ones included, with the file that holds it.
    modules: BTreeMap<ModPath, PathBuf>,
    /// File to the files it imports, each with the first path written that imports it.
    edges: BTreeMap<PathBuf, BTreeMap<PathBuf, String>>,
}

/// A source file read as tokens, with the module it defines.
struct Source {
    module: ModPath,
    file: PathBuf,
    tokens: TokenStream,
}

impl Graph {
    fn read(crate_root: &Path) -> Result<Graph> {
        let mut modules = BTreeMap::new();
        let mut sources = Vec::new();
        // The root's directory holds its child modules' files (`src/lib.rs` -> `src/`).
        let root_dir = crate_root.parent().unwrap_or(Path::new(".")).to_path_buf();
        let mut pending = vec![(ModPath::new(), crate_root.to_path_buf(), root_dir)];
        while let Some((module, file, dir)) = pending.pop() {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let tokens: TokenStream = text
                .parse()
                .map_err(|err| anyhow::anyhow!("{}: cannot tokenize: {err}", file.display()))?;
            collect_modules(&tokens, &module, &file, &dir, &mut modules, &mut pending);
            modules.insert(module.clone(), file.clone());
            sources.push(Source {
                module,
                file,
                tokens,
            });
        }
        let mut graph = Graph {
            modules,
            edges: BTreeMap::new(),
        };
        for source in &sources {
            let mut paths = Vec::new();
            scan_paths(&source.tokens, &source.module, &mut paths);
            for (from, path) in paths {
                if let Some(target) = graph.resolve(&from, &path) {
                    let target = graph.modules[&target].clone();
                    if target != source.file {
                        graph
                            .edges
                            .entry(source.file.clone())
                            .or_default()
                            .entry(target)
                            .or_insert_with(|| path.join("::"));
                    }
                }
            }
        }
        Ok(graph)
    }

    /// The module a path written in module `from` leads to: the longest prefix of the path
    /// that names a module. `None` for a path into another crate or a local item.
    fn resolve(&self, from: &ModPath, path: &[String]) -> Option<ModPath> {
        let mut base = match path.first()?.as_str() {
            "crate" => ModPath::new(),
            "self" => from.clone(),
            "super" => {
                let mut base = from.clone();
                base.pop()?;
                base
            }
            child => {
                let mut base = from.clone();
                base.push(child.to_owned());
                if !self.modules.contains_key(&base) {
                    return None;
                }
                base
            }
        };
        for segment in &path[1..] {
            if segment == "super" {
                base.pop()?;
                continue;
            }
            let mut longer = base.clone();
            longer.push(segment.clone());
            if !self.modules.contains_key(&longer) {
                break;
            }
            base = longer;
        }
        Some(base)
    }

    /// Each strongly connected set of two or more files (Tarjan's algorithm), with a loop
    /// within it that starts at its smallest path.
    fn cycles(&self) -> Vec<(Vec<PathBuf>, Vec<PathBuf>)> {
        let nodes: Vec<&PathBuf> = self
            .modules
            .values()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let index_of: BTreeMap<&PathBuf, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, node)| (*node, i))
            .collect();
        let successors: Vec<Vec<usize>> = nodes
            .iter()
            .map(|node| {
                self.edges
                    .get(*node)
                    .into_iter()
                    .flat_map(BTreeMap::keys)
                    .filter_map(|target| index_of.get(target).copied())
                    .collect()
            })
            .collect();
        strongly_connected(&successors)
            .into_iter()
            .filter(|component| component.len() > 1)
            .map(|component| {
                let members: BTreeSet<usize> = component.iter().copied().collect();
                let files = |indices: &mut dyn Iterator<Item = usize>| -> Vec<PathBuf> {
                    indices.map(|i| nodes[i].clone()).collect()
                };
                (
                    files(&mut members.iter().copied()),
                    files(&mut loop_through(&successors, &members).into_iter()),
                )
            })
            .collect()
    }
}

/// Finds `mod name;` declarations (files to read) and inline `mod name { .. }` blocks
/// (modules held in `file`).
fn collect_modules(
    tokens: &TokenStream,
    module: &ModPath,
    file: &Path,
    dir: &Path,
    modules: &mut BTreeMap<ModPath, PathBuf>,
    pending: &mut Vec<(ModPath, PathBuf, PathBuf)>,
) {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let mut path_attribute: Option<String> = None;
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Punct(punct) if punct.as_char() == '#' => {
                if let Some(TokenTree::Group(group)) = tokens.get(i + 1)
                    && let Some(path) = path_attribute_value(&group.stream())
                {
                    path_attribute = Some(path);
                }
            }
            TokenTree::Ident(ident) if ident == "mod" => {
                let Some(TokenTree::Ident(name)) = tokens.get(i + 1) else {
                    continue;
                };
                let mut child = module.clone();
                child.push(name.to_string());
                match tokens.get(i + 2) {
                    Some(TokenTree::Group(body)) if body.delimiter() == Delimiter::Brace => {
                        modules.insert(child.clone(), file.to_path_buf());
                        collect_modules(
                            &body.stream(),
                            &child,
                            file,
                            &dir.join(name.to_string()),
                            modules,
                            pending,
                        );
                    }
                    _ => {
                        let name = name.to_string();
                        let (child_file, child_dir) = match path_attribute.take() {
                            Some(path) => {
                                let file = file.parent().unwrap_or(dir).join(path);
                                let dir = file.parent().unwrap_or(dir).to_path_buf();
                                (file, dir)
                            }
                            None if dir.join(format!("{name}.rs")).is_file() => {
                                (dir.join(format!("{name}.rs")), dir.join(&name))
                            }
                            None => (dir.join(&name).join("mod.rs"), dir.join(&name)),
                        };
                        if child_file.is_file() {
                            pending.push((child, child_file, child_dir));
                        }
                    }
                }
            }
            TokenTree::Punct(punct) if punct.as_char() == ';' => path_attribute = None,
            _ => {}
        }
    }
}

/// The file named by a `#[path = "file.rs"]` attribute's tokens (the bracket's content).
fn path_attribute_value(attribute: &TokenStream) -> Option<String> {
    let tokens: Vec<TokenTree> = attribute.clone().into_iter().collect();
    match tokens.as_slice() {
        [TokenTree::Ident(name), TokenTree::Punct(eq), TokenTree::Literal(value)]
            if name == "path" && eq.as_char() == '=' =>
        {
            Some(value.to_string().trim_matches('"').to_owned())
        }
        _ => None,
    }
}

/// Every path in `tokens` that could name a module of this crate, with the module it is
/// written in: `a::b::c` for each `a` (a `use` tree's braces expanded into one path each).
/// Inline `mod name { .. }` blocks resolve from their own module.
fn scan_paths(tokens: &TokenStream, module: &ModPath, out: &mut Vec<(ModPath, Vec<String>)>) {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Ident(ident) if ident == "mod" => {
                if let (Some(TokenTree::Ident(name)), Some(TokenTree::Group(body))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                    && body.delimiter() == Delimiter::Brace
                {
                    let mut child = module.clone();
                    child.push(name.to_string());
                    scan_paths(&body.stream(), &child, out);
                    i += 3;
                    continue;
                }
                i += 1;
            }
            TokenTree::Ident(ident) => {
                // `$crate` in a macro is the defining crate, `::name` an external crate, and
                // `x.y::<T>` or `<T as a::B>` paths are not preceded by another segment.
                let after_separator = i >= 2 && is_path_separator(&tokens, i - 2);
                let after_dollar =
                    i >= 1 && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == '$');
                if !after_separator && !after_dollar && is_path_separator(&tokens, i + 1) {
                    let mut prefix = vec![ident.to_string()];
                    i = read_path(&tokens, i + 3, &mut prefix, module, out);
                } else {
                    i += 1;
                }
            }
            TokenTree::Group(group) => {
                scan_paths(&group.stream(), module, out);
                i += 1;
            }
            _ => i += 1,
        }
    }
}

/// Whether tokens `at` and `at + 1` are `::`.
fn is_path_separator(tokens: &[TokenTree], at: usize) -> bool {
    matches!(
        (tokens.get(at), tokens.get(at + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':'
    )
}

/// Reads the rest of a path after `prefix::` from `tokens[at..]`, pushes each complete path
/// (a braced `use` group gives one per branch) and returns the index after it.
fn read_path(
    tokens: &[TokenTree],
    mut at: usize,
    prefix: &mut Vec<String>,
    module: &ModPath,
    out: &mut Vec<(ModPath, Vec<String>)>,
) -> usize {
    loop {
        match tokens.get(at) {
            Some(TokenTree::Ident(segment)) => {
                prefix.push(segment.to_string());
                if is_path_separator(tokens, at + 1) {
                    at += 3;
                    continue;
                }
                out.push((module.clone(), prefix.clone()));
                return at + 1;
            }
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
                for branch in split_commas(&group.stream()) {
                    let mut branch_prefix = prefix.clone();
                    if let Some(TokenTree::Ident(first)) = branch.first() {
                        if first == "self" {
                            out.push((module.clone(), branch_prefix.clone()));
                            continue;
                        }
                        branch_prefix.push(first.to_string());
                        if is_path_separator(&branch, 1) {
                            read_path(&branch, 3, &mut branch_prefix, module, out);
                        } else {
                            out.push((module.clone(), branch_prefix));
                        }
                    } else if let Some(TokenTree::Group(_)) = branch.first() {
                        read_path(&branch, 0, &mut branch_prefix, module, out);
                    }
                }
                return at + 1;
            }
            // `a::*`, `a::<T>` or the end: the path so far.
            _ => {
                out.push((module.clone(), prefix.clone()));
                return at;
            }
        }
    }
}

/// A `use` group's branches: its tokens split at top-level commas.
fn split_commas(tokens: &TokenStream) -> Vec<Vec<TokenTree>> {
    let mut branches = vec![Vec::new()];
    for token in tokens.clone() {
        match &token {
            TokenTree::Punct(punct) if punct.as_char() == ',' => branches.push(Vec::new()),
            _ => branches
                .last_mut()
                .expect("one branch at least")
                .push(token),
        }
    }
    branches.retain(|branch| !branch.is_empty());
    branches
}

/// Tarjan's strongly connected components of the graph `successors` (node to the nodes it
/// points at).
fn strongly_connected(successors: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct State<'a> {
        successors: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        components: Vec<Vec<usize>>,
    }
    fn visit(state: &mut State, node: usize) {
        state.index[node] = Some(state.next);
        state.low[node] = state.next;
        state.next += 1;
        state.stack.push(node);
        state.on_stack[node] = true;
        for &next in &state.successors[node] {
            match state.index[next] {
                None => {
                    visit(state, next);
                    state.low[node] = state.low[node].min(state.low[next]);
                }
                Some(index) if state.on_stack[next] => {
                    state.low[node] = state.low[node].min(index);
                }
                Some(_) => {}
            }
        }
        if Some(state.low[node]) == state.index[node] {
            let mut component = Vec::new();
            while let Some(member) = state.stack.pop() {
                state.on_stack[member] = false;
                component.push(member);
                if member == node {
                    break;
                }
            }
            component.sort_unstable();
            state.components.push(component);
        }
    }
    let count = successors.len();
    let mut state = State {
        successors,
        index: vec![None; count],
        low: vec![0; count],
        on_stack: vec![false; count],
        stack: Vec::new(),
        next: 0,
        components: Vec::new(),
    };
    for node in 0..count {
        if state.index[node].is_none() {
            visit(&mut state, node);
        }
    }
    state.components
}

/// A loop through a strongly connected set, from its smallest node back to it by the
/// shortest way (breadth first), so that the printed cycle is a real chain of imports.
fn loop_through(successors: &[Vec<usize>], members: &BTreeSet<usize>) -> Vec<usize> {
    let start = *members.first().expect("a component has a node");
    let mut came_from: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &next in &successors[node] {
            if !members.contains(&next) {
                continue;
            }
            if next == start {
                let mut chain = vec![node];
                while let Some(&before) = came_from.get(chain.last().expect("not empty")) {
                    chain.push(before);
                }
                chain.reverse();
                if chain.first() != Some(&start) {
                    chain.insert(0, start);
                }
                return chain;
            }
            if next != start && !came_from.contains_key(&next) {
                came_from.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    members.iter().copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crate in a temporary directory, from `(path, text)` pairs; `src/lib.rs` is its root.
    fn crate_with(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-imports-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let file = dir.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        }
        dir
    }

    fn cycles_of(dir: &Path) -> Vec<Vec<String>> {
        Graph::read(&dir.join("src/lib.rs"))
            .unwrap()
            .cycles()
            .into_iter()
            .map(|(_, cycle)| cycle.iter().map(|file| relative(dir, file)).collect())
            .collect()
    }

    #[test]
    fn a_parent_and_child_importing_each_other_are_a_cycle() {
        let dir = crate_with(
            "parent-child",
            &[
                ("src/lib.rs", "mod core;"),
                (
                    "src/core/mod.rs",
                    "mod iam; pub(crate) fn error() {} fn handle() { iam::answer() }",
                ),
                (
                    "src/core/iam.rs",
                    "use super::error; pub fn answer() { error() }",
                ),
            ],
        );
        assert_eq!(
            cycles_of(&dir),
            vec![vec![
                "src/core/iam.rs".to_owned(),
                "src/core/mod.rs".to_owned()
            ]]
        );
    }

    #[test]
    fn a_use_tree_and_a_longer_loop_are_followed() {
        let dir = crate_with(
            "loop",
            &[
                ("src/lib.rs", "mod a; mod b; mod c;"),
                ("src/a.rs", "use crate::{b::{self}, x};"),
                (
                    "src/b.rs",
                    "fn f() { let _ = format!(\"{}\", crate::c::C); }",
                ),
                ("src/c.rs", "pub const C: u8 = 1; use super::a::*;"),
            ],
        );
        assert_eq!(
            cycles_of(&dir),
            vec![vec![
                "src/a.rs".to_owned(),
                "src/b.rs".to_owned(),
                "src/c.rs".to_owned()
            ]]
        );
    }

    #[test]
    fn one_way_imports_tests_importing_their_file_and_other_crates_are_no_cycle() {
        let dir = crate_with(
            "acyclic",
            &[
                ("src/lib.rs", "mod store; mod fixture; pub mod http { pub use crate::store::S; }"),
                ("src/store.rs", "pub struct S; #[cfg(test)] mod tests { use super::*; use crate::store::S as T; }"),
                // `http::` here is the external crate: `fixture` has no child named http.
                ("src/fixture.rs", "use crate::store::S; fn f() -> http::StatusCode { todo!() } fn g(s: S) { s.x::<u8>(); }"),
            ],
        );
        assert_eq!(cycles_of(&dir), Vec::<Vec<String>>::new());
    }

    #[test]
    fn inline_modules_resolve_super_from_where_they_stand() {
        // In a.rs, `mod inner { use super::helper; }` names crate::a::helper (super of
        // crate::a::inner is crate::a): no edge out of a.rs. `super::super::b` is crate::b.
        let dir = crate_with(
            "inline",
            &[
                ("src/lib.rs", "mod a; mod b;"),
                (
                    "src/a.rs",
                    "fn helper() {} mod inner { use super::helper; }",
                ),
                ("src/b.rs", "use crate::a;"),
            ],
        );
        assert_eq!(cycles_of(&dir), Vec::<Vec<String>>::new());
        let dir = crate_with(
            "inline-up",
            &[
                ("src/lib.rs", "mod a; mod b;"),
                ("src/a.rs", "mod inner { use super::super::b::B; }"),
                ("src/b.rs", "pub struct B; use crate::a;"),
            ],
        );
        assert_eq!(
            cycles_of(&dir),
            vec![vec!["src/a.rs".to_owned(), "src/b.rs".to_owned()]]
        );
    }

    #[test]
    fn a_path_attribute_and_a_module_directory_are_followed() {
        let dir = crate_with(
            "path-attr",
            &[
                ("src/lib.rs", "#[path = \"elsewhere/x.rs\"] mod x; mod y;"),
                ("src/elsewhere/x.rs", "use crate::y::Y;"),
                ("src/y/mod.rs", "pub struct Y; use crate::x;"),
            ],
        );
        assert_eq!(
            cycles_of(&dir),
            vec![vec![
                "src/elsewhere/x.rs".to_owned(),
                "src/y/mod.rs".to_owned()
            ]]
        );
    }

    #[test]
    fn a_workspace_line_names_the_set_a_loop_and_on_request_every_import() {
        let dir = crate_with(
            "workspace",
            &[
                ("Cargo.toml", "[workspace]\nmembers = [\"one\"]\n"),
                ("one/src/lib.rs", "mod a; mod b; mod c;"),
                ("one/src/a.rs", "use crate::b::B; use crate::c::C;"),
                ("one/src/b.rs", "pub struct B; use super::a;"),
                ("one/src/c.rs", "pub struct C;"),
            ],
        );
        let line = "one: one/src/a.rs, one/src/b.rs import each other: \
                    one/src/a.rs -> one/src/b.rs -> one/src/a.rs \
                    (one/src/a.rs: crate::b::B; one/src/b.rs: super::a)";
        assert_eq!(workspace_cycles(&dir, false).unwrap(), [line]);
        // c.rs is imported but not in the set: not listed.
        assert_eq!(
            workspace_cycles(&dir, true).unwrap(),
            [format!(
                "{line}\n  one/src/a.rs -> one/src/b.rs: crate::b::B\n  one/src/b.rs -> one/src/a.rs: super::a"
            )]
        );
    }
}
