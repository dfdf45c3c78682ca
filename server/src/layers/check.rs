//! The check itself: reads every `use` line under `src/` and compares layers.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use super::layer_of;

/// Every `.rs` file under `src/` as its module path.
fn modules(root: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).expect("under src");
                let mut parts: Vec<String> = rel
                    .with_extension("")
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
                    parts.pop();
                }
                out.insert(parts.join("::"), path);
            }
        }
    }
    out
}

/// The source without comments and without its `#[cfg(test)]` part.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("source is readable");
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{')
        && tree.ends_with('}')
    {
        let head = tree[..open].trim_end_matches("::").trim();
        let inner = &tree[open + 1..tree.len() - 1];
        let base = [prefix, head]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("::");
        let (mut depth, mut start) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&base, &inner[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&base, &inner[start..], out);
    } else if !tree.is_empty() {
        let item = tree.trim();
        let full = [prefix, item]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("::");
        out.push(full);
    }
}

/// The crate paths a module names: `use crate::…` trees, inline `crate::…` paths, and
/// `super::…` paths made absolute.
fn imports(module: &str, is_mod_file: bool, src: &str) -> Vec<String> {
    let idents = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect::<String>()
            .trim_end_matches(':')
            .to_string()
    };
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(i) = rest.find("use crate::") {
        let tail = &rest[i + "use crate::".len()..];
        let end = tail.find(';').unwrap_or(tail.len());
        let mut items = Vec::new();
        expand("", &tail[..end], &mut items);
        for item in items {
            // `a::b::self as x` names module `a::b` as `x`; `a::b` names it `b`.
            let (path, alias) = match item.split_once(" as ") {
                Some((p, a)) => (p.to_string(), a.trim().to_string()),
                None => {
                    let last = item.rsplit("::").next().unwrap_or_default().to_string();
                    (item.clone(), last)
                }
            };
            let path = path.trim_end_matches("::self").to_string();
            let alias = if alias == "self" {
                path.rsplit("::").next().unwrap_or_default().to_string()
            } else {
                alias
            };
            // Every `alias::…` path in the code is a use of `path::…`.
            for (j, _) in src.match_indices(&format!("{alias}::")) {
                let before = src[..j].chars().last();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                let used = idents(&src[j + alias.len() + 2..]);
                if !used.is_empty() {
                    out.push(format!("{path}::{used}"));
                }
            }
            out.push(path);
        }
        rest = &tail[end..];
    }
    for (i, _) in src.match_indices("crate::") {
        if src[..i].ends_with("use ") {
            continue;
        }
        out.push(idents(&src[i + "crate::".len()..]));
    }
    let mut parent: Vec<&str> = module.split("::").collect();
    if !is_mod_file {
        parent.pop();
    }
    for (i, _) in src.match_indices("super::") {
        let path = idents(&src[i + "super::".len()..]);
        let mut base = parent.clone();
        base.pop();
        let mut full = base.join("::");
        if !full.is_empty() {
            full.push_str("::");
        }
        full.push_str(&path);
        out.push(full);
    }
    out.retain(|p| !p.is_empty());
    out
}

/// The module a path lands in: the longest module prefix, following a `mod.rs`'s
/// `pub use` re-exports to where the item really lives.
fn resolve(
    path: &str,
    modules: &BTreeMap<String, PathBuf>,
    reexports: &BTreeMap<String, String>,
) -> Option<String> {
    resolve_within(path, modules, reexports, 8)
}

fn resolve_within(
    path: &str,
    modules: &BTreeMap<String, PathBuf>,
    reexports: &BTreeMap<String, String>,
    hops: u8,
) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    for k in (1..=parts.len()).rev().filter(|_| hops > 0) {
        if let Some(target) = reexports.get(&parts[..k].join("::")) {
            let rest = parts[k..].join("::");
            let full = if rest.is_empty() {
                target.clone()
            } else {
                format!("{target}::{rest}")
            };
            if full != path {
                return resolve_within(&full, modules, reexports, hops - 1);
            }
        }
    }
    (1..=parts.len())
        .rev()
        .map(|k| parts[..k].join("::"))
        .find(|m| modules.contains_key(m))
}

/// `pub use x::{a, b};` in `dom/mod.rs` → `dom::a` ↦ `dom::x::a`, `dom::b` ↦ `dom::x::b`.
fn reexports(modules: &BTreeMap<String, PathBuf>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (module, path) in modules {
        if !path.ends_with("mod.rs") {
            continue;
        }
        let src = code(path);
        let mut rest = src.as_str();
        while let Some(i) = rest.find("pub use ") {
            let tail = &rest[i + "pub use ".len()..];
            let end = tail.find(';').unwrap_or(tail.len());
            let mut items = Vec::new();
            expand("", &tail[..end], &mut items);
            for item in items {
                let (item, name) = match item.split_once(" as ") {
                    Some((p, a)) => (p.to_string(), a.trim().to_string()),
                    None => {
                        let last = item.rsplit("::").next().unwrap_or_default();
                        (item.clone(), last.to_string())
                    }
                };
                let target = match item.strip_prefix("crate::") {
                    Some(abs) => abs.to_string(),
                    None => format!("{module}::{item}"),
                };
                map.insert(format!("{module}::{name}"), target);
            }
            rest = &tail[end..];
        }
    }
    map
}

#[test]
fn no_module_imports_one_from_a_higher_layer_or_forms_a_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&root);
    let reexports = reexports(&modules);
    // A file that declares routes is part of the HTTP edge, whatever its name.
    let edge: BTreeSet<&String> = modules
        .iter()
        .filter(|(_, path)| {
            let src = code(path);
            ["#[get(", "#[post(", "#[put(", "#[patch(", "#[delete("]
                .iter()
                .any(|attr| src.contains(attr))
        })
        .map(|(m, _)| m)
        .collect();
    let layer = |m: &String| if edge.contains(m) { 5 } else { layer_of(m) };
    let mut upward = Vec::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in &modules {
        if module.is_empty() || module == "main" {
            continue;
        }
        let is_mod_file = path.ends_with("mod.rs");
        for import in imports(module, is_mod_file, &code(path)) {
            let Some(target) = resolve(&import, &modules, &reexports) else {
                continue;
            };
            if target.is_empty() || &target == module || module.starts_with(&format!("{target}::"))
            {
                continue;
            }
            let namespace = modules.get(&target).is_some_and(|p| p.ends_with("mod.rs"));
            if !namespace && layer(&target) > layer(module) {
                upward.push(format!(
                    "{module} (layer {}) imports {import} (layer {})",
                    layer(module),
                    layer(&target)
                ));
            }
            if !is_mod_file {
                graph.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports against the layering:\n{}",
        upward.join("\n")
    );
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "modules that import each other: {cycles:?}"
    );
}

/// Strongly connected groups of more than one module (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        let graph = s.graph;
        for w in graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.stack.contains(&w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                group.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.found.push(group);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

#[test]
fn the_layers_are_the_documented_ones() {
    assert_eq!(layer_of("config::table"), 0);
    assert_eq!(layer_of("applications::workflow"), 0);
    assert_eq!(layer_of("hotline::dto"), 0);
    assert_eq!(layer_of("hotline::store"), 1);
    assert_eq!(layer_of("outbox::payload"), 0);
    assert_eq!(layer_of("outbox::store"), 1);
    assert_eq!(layer_of("state"), 2);
    assert_eq!(layer_of("applications::intake::create"), 3);
    assert_eq!(layer_of("notify::relay"), 4);
    assert_eq!(layer_of("applications::routes"), 5);
    assert_eq!(layer_of("hotline::follow_up_handlers"), 5);
}
