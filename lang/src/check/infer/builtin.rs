//! Shapes through the built-in ops (convolutions, pooling, norms, activations, linear layers)
//! and through the combinators that merge several inputs (sum, concat, product).

use super::*;

impl<'p> Infer<'p> {
    /// The shape out of the built-in op `builtin` applied to `input`, its arguments read in
    /// `env`; a wrong argument or input is reported at `span`.
    pub(super) fn apply_builtin_op(
        &mut self,
        builtin: Builtin,
        args: Option<&'p Args>,
        env: &Rc<Env<'p>>,
        input: Shape,
        span: Span,
    ) -> Shape {
        let params = builtins::params(builtin);
        let count = params.len().min(MAX_BUILTIN_PARAMS);
        let params = &params[..count];
        let mut options: [ArgOptions; MAX_BUILTIN_PARAMS] =
            std::array::from_fn(|i| ArgOptions::Fixed(params.get(i).and_then(|p| p.default)));
        let options = &mut options[..count];
        let mut float = None;
        if let Some(args) = args {
            let mut positional = 0;
            for arg in &args.items {
                let slot = match &arg.name {
                    None => {
                        positional += 1;
                        Some(positional - 1)
                    }
                    Some(name) => params.iter().position(|p| p.name == name.name),
                };
                let Some(slot) = slot.filter(|&s| s < params.len()) else {
                    continue;
                };
                options[slot] = match self.value(&arg.value, env) {
                    Val::Ints(list) => ArgOptions::Ints(list),
                    Val::Float(v) => {
                        float = Some(v);
                        ArgOptions::Fixed(None)
                    }
                    _ => ArgOptions::Fixed(None),
                };
            }
        }
        let total: usize = options
            .iter()
            .map(ArgOptions::len)
            .fold(1usize, |acc, n| acc.saturating_mul(n));
        if total > MAX_COMBINATIONS {
            for choices in options.iter_mut().filter(|c| c.len() > 1) {
                *choices = ArgOptions::Fixed(None);
            }
        }
        let mut combination = [None; MAX_BUILTIN_PARAMS];
        for (value, choices) in combination.iter_mut().zip(options.iter()) {
            *value = choices.get(0);
        }
        let combination = &mut combination[..count];
        let mut indices = [0usize; MAX_BUILTIN_PARAMS];
        let mut merged: Option<Shape> = None;
        loop {
            match apply_builtin(builtin, combination, float, input) {
                Ok(out) => {
                    merged = Some(match merged {
                        Some(m) => self.merge(m, out),
                        None => out,
                    })
                }
                Err(misfit) => {
                    let varying: Vec<String> = params
                        .iter()
                        .zip(options.iter())
                        .zip(combination.iter())
                        .filter(|((_, opts), _)| opts.len() > 1)
                        .filter_map(|((p, _), v)| v.map(|v| format!("{} = {v}", p.name)))
                        .collect();
                    let mut diagnostic = self.report(
                        misfit.code,
                        misfit.message,
                        span,
                        format!("its input is {input}"),
                    );
                    if !varying.is_empty() {
                        diagnostic = diagnostic.with_note(format!("when {}", varying.join(", ")));
                    }
                    self.diagnostics.push(diagnostic.with_hint(misfit.hint));
                    return Shape::Unknown;
                }
            }
            let mut position = 0;
            loop {
                if position == count {
                    return merged.unwrap_or(Shape::Unknown);
                }
                indices[position] += 1;
                if indices[position] < options[position].len() {
                    combination[position] = options[position].get(indices[position]);
                    break;
                }
                indices[position] = 0;
                combination[position] = options[position].get(0);
                position += 1;
            }
        }
    }

    /// Combines operands (tensors, or outputs of parallel ops) with `sum`, `prod`, `blend` or
    /// `concat`, reporting shapes that do not agree.
    pub(super) fn combine(
        &mut self,
        builtin: Builtin,
        operands: &[(Val<'p>, Span)],
        span: Span,
    ) -> Shape {
        let mut items: Vec<(Shape, Span, bool)> = Vec::new();
        for (value, operand_span) in operands {
            match value {
                Val::Tensor(shape) => items.push((*shape, *operand_span, false)),
                Val::Tensors(shapes, picked) => {
                    let all_same = shapes.windows(2).all(|w| w[0] == w[1]);
                    match (builtin, picked) {
                        (Builtin::Concat, Some(k)) if all_same => {
                            for _ in 0..(*k).clamp(0, 64) {
                                items.push((
                                    shapes.first().copied().unwrap_or(Shape::Unknown),
                                    *operand_span,
                                    false,
                                ));
                            }
                        }
                        (Builtin::Concat, _) => {
                            for shape in shapes {
                                items.push((shape.without_channels(), *operand_span, true));
                            }
                        }
                        _ => items.extend(shapes.iter().map(|s| (*s, *operand_span, false))),
                    }
                }
                _ => items.push((Shape::Unknown, *operand_span, false)),
            }
        }
        let Some(&(first, first_span, _)) = items.first() else {
            return Shape::Unknown;
        };
        if builtin == Builtin::Concat {
            let mut acc = first;
            let mut unknown_channels = items[0].2;
            for &(shape, item_span, partial) in &items[1..] {
                unknown_channels |= partial;
                match acc.concat(shape) {
                    Ok(next) => acc = next,
                    Err(misfit) => {
                        let diagnostic = self
                            .report(
                                misfit.code,
                                misfit.message,
                                item_span,
                                format!("this is {shape}"),
                            )
                            .with_label(first_span, format!("this is {first}"))
                            .with_hint(misfit.hint);
                        self.diagnostics.push(diagnostic);
                        return Shape::Unknown;
                    }
                }
            }
            return if unknown_channels {
                acc.without_channels()
            } else {
                acc
            };
        }
        let mut acc = first;
        for &(shape, item_span, _) in &items[1..] {
            if let Some(reason) = acc.mismatch(shape) {
                let diagnostic = self
                    .report(
                        "shape-mismatch",
                        format!("`{}` of tensors with different shapes: {reason}", builtin.name()),
                        item_span,
                        format!("this is {shape}"),
                    )
                    .with_label(first_span, format!("this is {first}"))
                    .with_hint("element-wise merges need equal shapes; adjust channels with a 1×1 conv or use `concat`");
                self.diagnostics.push(diagnostic);
                return Shape::Unknown;
            }
            acc = acc.merge(shape);
        }
        let _ = span;
        acc
    }

    /// The shape of a node choosing its kind among tensor expressions (`sum(..) | prod(..)`),
    /// when every alternative is a tensor: a dimension they disagree on is unknown from there
    /// on.
    pub(super) fn tensor_alternatives(&mut self, values: &[Val<'p>]) -> Option<Val<'p>> {
        let mut merged: Option<Shape> = None;
        for value in values {
            let Val::Tensor(shape) = value else {
                return None;
            };
            merged = Some(match merged {
                Some(m) => self.merge(m, *shape),
                None => *shape,
            });
        }
        merged.map(Val::Tensor)
    }
}
