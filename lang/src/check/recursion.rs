//! Finds definitions that use themselves, directly or through others (`op a = b`,
//! `op b = a`): such programs describe infinite networks.

use super::fast_hash::FastMap;
use super::load::Module;
use crate::syntax::ast::{DefId, Expr, ExprKind, ItemKind, Res};
use crate::syntax::{Diagnostic, Span};
use std::collections::HashSet;

fn def_refs(expr: &Expr, out: &mut Vec<(DefId, Span)>) {
    if let ExprKind::Ref(reference) = &expr.kind {
        if let Res::Def(id) = reference.res {
            out.push((id, reference.name.span));
        }
    }
    expr.for_each_child(|child| def_refs(child, out));
}

/// Reports every cycle of definitions once and returns the definitions on cycles.
pub fn find_recursive(modules: &[Module], diagnostics: &mut Vec<Diagnostic>) -> HashSet<DefId> {
    let items: usize = modules.iter().map(|m| m.ast.items.len()).sum();
    let mut ids: Vec<DefId> = Vec::with_capacity(items);
    let mut index_of: FastMap<DefId, usize> = FastMap::default();
    index_of.reserve(items);
    // The references of definition `n` are `refs[starts[n]..starts[n + 1]]`: one flat list
    // rather than a vector per definition (a large program has thousands).
    let mut refs: Vec<(DefId, Span)> = Vec::with_capacity(items * 4);
    let mut starts: Vec<usize> = Vec::with_capacity(items + 1);
    for (m, module) in modules.iter().enumerate() {
        for (i, item) in module.ast.items.iter().enumerate() {
            if matches!(item.kind, ItemKind::Import(_) | ItemKind::Experiment(_)) {
                continue;
            }
            let id = DefId {
                module: m as u32,
                item: i as u32,
            };
            starts.push(refs.len());
            item.kind.for_each_expr(|expr| def_refs(expr, &mut refs));
            index_of.insert(id, ids.len());
            ids.push(id);
        }
    }
    starts.push(refs.len());
    let edges = |n: usize| &refs[starts[n]..starts[n + 1]];
    let targets: Vec<usize> = refs
        .iter()
        .map(|(id, _)| index_of.get(id).copied().unwrap_or(usize::MAX))
        .collect();
    let graph: Vec<&[usize]> = (0..ids.len())
        .map(|n| &targets[starts[n]..starts[n + 1]])
        .collect();
    let mut recursive = HashSet::new();
    for component in strongly_connected(&graph) {
        let looped = component.len() > 1 || graph[component[0]].contains(&component[0]);
        if !looped {
            continue;
        }
        let members: HashSet<usize> = component.iter().copied().collect();
        let first = *component.iter().min().unwrap_or(&component[0]);
        let name_of = |n: usize| {
            let id = ids[n];
            modules[id.module as usize].ast.items[id.item as usize]
                .kind
                .name()
                .map(|name| (name.name.to_string(), name.span))
                .unwrap_or_default()
        };
        let (name, span) = name_of(first);
        let mut diagnostic = Diagnostic::error(
            "recursive-definition",
            format!("`{name}` is defined in terms of itself"),
            span,
            "defined here",
        );
        let mut sorted: Vec<usize> = component.clone();
        sorted.sort_unstable();
        for &n in &sorted {
            for &(target, use_span) in edges(n) {
                if index_of.get(&target).is_some_and(|t| members.contains(t)) {
                    let (target_name, _) = name_of(index_of[&target]);
                    diagnostic = diagnostic.with_label(use_span, format!("uses `{target_name}`"));
                }
            }
        }
        diagnostics.push(
            diagnostic
                .with_hint("a definition cannot use itself; repeat an op with `op * n` instead"),
        );
        recursive.extend(component.iter().map(|&n| ids[n]));
    }
    recursive
}

/// Tarjan's algorithm without recursion: the strongly connected components of `graph`.
/// Edges to `usize::MAX` (definitions outside the graph) are ignored.
fn strongly_connected(graph: &[&[usize]]) -> Vec<Vec<usize>> {
    let n = graph.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut counter = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(top) = work.len().checked_sub(1) {
            let (v, next) = work[top];
            if let Some(&w) = graph[v].get(next) {
                work[top].1 += 1;
                if w == usize::MAX {
                    continue;
                }
                if index[w] == usize::MAX {
                    index[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut component = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    components.push(component);
                }
            }
        }
    }
    components
}
