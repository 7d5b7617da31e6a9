//! The expression grammar (loosest first): comparison, `|` alternatives, `..`/`..=` range,
//! `>>` composition, `+ -`, `* / %` (with `* n independent`), unary `-`, then primaries:
//! literals, references with arguments, `( )`, `[ ]` lists and `k of [..]` / `any of [..]`.

use super::{ident, ident_text, Custom, SyntaxError};
use crate::syntax::ast::{
    Arg, Args, BinOp, Expr, ExprKind, Ident, Lit, PickCount, Ref, RepeatMode, Res,
};
use crate::syntax::span::Span;
use crate::syntax::token::{Number, Token};
use chumsky::input::{Emitter, ValueInput};
use chumsky::prelude::*;

/// An operator chain (`a + b - c`, `a * b`) may have at most this many operands; longer chains
/// are refused so that the left-nested tree stays shallow.
pub const MAX_CHAIN: usize = 64;
/// At most this many prefix `-` in a row.
pub(super) const MAX_PREFIX: usize = 8;

/// The literal a number token stands for.
pub(super) fn number_lit(number: Number) -> Lit {
    match number {
        Number::Int { value, magnitude } => Lit::Int { value, magnitude },
        Number::Float { value, magnitude } => Lit::Float { value, magnitude },
        Number::Duration { value, unit } => Lit::Duration { value, unit },
    }
}

/// Folds `first (op rhs)*` into a left-nested tree, refusing chains longer than [`MAX_CHAIN`].
fn fold_chain<E: Custom>(
    first: Expr,
    rest: Vec<(BinOp, Expr, Option<Span>)>,
    span: Span,
    emitter: &mut Emitter<E>,
) -> Expr {
    if rest.len() >= MAX_CHAIN {
        emitter.emit(E::custom(
            span,
            format!(
                "this operator chain is too long ({} operands; the limit is {MAX_CHAIN})",
                rest.len() + 1
            ),
        ));
        return Expr {
            kind: ExprKind::Error,
            span,
        };
    }
    fold_ops(first, rest)
}

/// Folds `first (op rhs independent?)*` into a left-nested tree (`op * n independent` is a
/// repetition).
pub(super) fn fold_ops(first: Expr, rest: Vec<(BinOp, Expr, Option<Span>)>) -> Expr {
    if rest.is_empty() {
        return first;
    }
    rest.into_iter().fold(first, |lhs, (op, rhs, independent)| {
        let end = independent.unwrap_or(rhs.span);
        let span = lhs.span.to(end);
        let kind = match independent {
            Some(_) => ExprKind::Repeat {
                body: Box::new(lhs),
                count: Box::new(rhs),
                mode: RepeatMode::Independent,
            },
            None => ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
        };
        Expr { kind, span }
    })
}

/// Joins `first` and the `rest` with a flat n-ary node when there are several (a lone
/// operand is returned as it is, and costs no list).
fn flat(first: Expr, rest: Vec<Expr>, span: Span, make: fn(Vec<Expr>) -> ExprKind) -> Expr {
    if rest.is_empty() {
        return first;
    }
    let mut items = Vec::with_capacity(rest.len() + 1);
    items.push(first);
    items.extend(rest);
    Expr {
        kind: make(items),
        span,
    }
}

/// The expression parser.
pub fn expr<'t, 's: 't, I, E>(
) -> impl Parser<'t, I, Expr, extra::Err<E>> + Clone + use<'t, 's, I, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: SyntaxError<'t, I>,
{
    recursive(|expr| {
        // The name is copied only once the `:` confirms a named argument, so positional
        // arguments that start with a name cost no allocation when this fails.
        let named_arg = ident_text()
            .then_ignore(just(Token::Colon))
            .then(expr.clone())
            .map_with(|((name, name_span), value), e| Arg {
                name: Some(Ident {
                    name: name.into(),
                    span: name_span,
                }),
                value,
                span: e.span(),
            });
        let positional_arg = expr.clone().map_with(|value, e| Arg {
            name: None,
            value,
            span: e.span(),
        });
        let args = named_arg
            .or(positional_arg)
            .separated_by(just(Token::Comma))
            .allow_trailing()
            .collect::<Vec<_>>()
            .delimited_by(just(Token::LParen), just(Token::RParen))
            .map_with(|items, e| Args {
                items,
                span: e.span(),
            })
            .recover_with(via_parser(nested_delimiters(
                Token::LParen,
                Token::RParen,
                [
                    (Token::LBracket, Token::RBracket),
                    (Token::LBrace, Token::RBrace),
                ],
                |span: Span| Args {
                    items: vec![Arg {
                        name: None,
                        value: Expr {
                            kind: ExprKind::Error,
                            span,
                        },
                        span,
                    }],
                    span,
                },
            )));

        let reference = ident().then(args.or_not()).map(|(name, args)| {
            ExprKind::Ref(Ref {
                name,
                args: args.map(Box::new),
                res: Res::Unresolved,
            })
        });

        let literal = select! {
            Token::Number(number) => ExprKind::Lit(number_lit(number)),
            Token::Str(text) => ExprKind::Lit(Lit::Str(text)),
            Token::True => ExprKind::Lit(Lit::Bool(true)),
            Token::False => ExprKind::Lit(Lit::Bool(false)),
            Token::Error => ExprKind::Error,
        };

        let list_items = expr
            .clone()
            .separated_by(just(Token::Comma))
            .allow_trailing()
            .collect::<Vec<_>>()
            .delimited_by(just(Token::LBracket), just(Token::RBracket));

        let atom = choice((literal, reference, list_items.clone().map(ExprKind::List)))
            .map_with(|kind, e| Expr {
                kind,
                span: e.span(),
            })
            .or(expr
                .clone()
                .delimited_by(just(Token::LParen), just(Token::RParen)))
            .recover_with(via_parser(nested_delimiters(
                Token::LParen,
                Token::RParen,
                [
                    (Token::LBracket, Token::RBracket),
                    (Token::LBrace, Token::RBrace),
                ],
                |span| Expr {
                    kind: ExprKind::Error,
                    span,
                },
            )))
            .recover_with(via_parser(nested_delimiters(
                Token::LBracket,
                Token::RBracket,
                [
                    (Token::LParen, Token::RParen),
                    (Token::LBrace, Token::RBrace),
                ],
                |span| Expr {
                    kind: ExprKind::Error,
                    span,
                },
            )))
            .boxed();

        let of_list = just(Token::Of).ignore_then(list_items);
        let any_pick = just(Token::Any)
            .ignore_then(of_list.clone())
            .map_with(|candidates, e| Expr {
                kind: ExprKind::Pick {
                    count: PickCount::Any,
                    candidates,
                },
                span: e.span(),
            });
        let primary =
            any_pick.or(atom
                .then(of_list.or_not())
                .map_with(|(count, candidates), e| match candidates {
                    None => count,
                    Some(candidates) => Expr {
                        kind: ExprKind::Pick {
                            count: PickCount::Exactly(Box::new(count)),
                            candidates,
                        },
                        span: e.span(),
                    },
                }));

        let unary = just(Token::Minus)
            .to_span()
            .repeated()
            .collect::<Vec<Span>>()
            .then(primary)
            .validate(|(minuses, operand): (Vec<Span>, Expr), e, emitter| {
                if minuses.len() > MAX_PREFIX {
                    emitter.emit(E::custom(
                        e.span(),
                        format!("more than {MAX_PREFIX} `-` in a row"),
                    ));
                    return Expr {
                        kind: ExprKind::Error,
                        span: e.span(),
                    };
                }
                minuses
                    .into_iter()
                    .rev()
                    .fold(operand, |operand, minus| Expr {
                        span: minus.to(operand.span),
                        kind: ExprKind::Neg(Box::new(operand)),
                    })
            })
            .labelled("an expression")
            .boxed();

        let mul_op = select! {
            Token::Star => BinOp::Mul,
            Token::Slash => BinOp::Div,
            Token::Percent => BinOp::Rem,
        };
        let product = unary
            .clone()
            .then(
                mul_op
                    .then(unary)
                    .then(just(Token::Independent).to_span().or_not())
                    .validate(|((op, rhs), independent), _, emitter| {
                        if let (Some(span), false) = (independent, op == BinOp::Mul) {
                            emitter.emit(E::custom(
                                span,
                                "`independent` only follows a repetition `op * n`".to_string(),
                            ));
                        }
                        (op, rhs, independent.filter(|_| op == BinOp::Mul))
                    })
                    .repeated()
                    .collect::<Vec<_>>(),
            )
            .validate(|(first, rest), e, emitter| fold_chain(first, rest, e.span(), emitter));

        let add_op = select! {
            Token::Plus => BinOp::Add,
            Token::Minus => BinOp::Sub,
        };
        let additive = product
            .clone()
            .then(
                add_op
                    .then(product)
                    .map(|(op, rhs)| (op, rhs, None))
                    .repeated()
                    .collect::<Vec<_>>(),
            )
            .validate(|(first, rest), e, emitter| fold_chain(first, rest, e.span(), emitter))
            .boxed();

        let seq = additive
            .clone()
            .then(
                just(Token::Then)
                    .ignore_then(additive)
                    .repeated()
                    .collect::<Vec<_>>(),
            )
            .map_with(|(first, rest), e| flat(first, rest, e.span(), ExprKind::Seq));

        let range_op = select! {
            Token::DotDot => false,
            Token::DotDotEq => true,
        };
        let range = seq
            .clone()
            .then(range_op.then(seq).or_not())
            .map_with(|(start, rest), e| match rest {
                None => start,
                Some((inclusive, end)) => Expr {
                    kind: ExprKind::Range {
                        start: Box::new(start),
                        end: Box::new(end),
                        inclusive,
                    },
                    span: e.span(),
                },
            });

        let alt = range
            .clone()
            .then(
                just(Token::Bar)
                    .ignore_then(range)
                    .repeated()
                    .collect::<Vec<_>>(),
            )
            .map_with(|(first, rest), e| flat(first, rest, e.span(), ExprKind::Alt))
            .boxed();

        let cmp_op = select! {
            Token::EqEq => BinOp::Eq,
            Token::NotEq => BinOp::Ne,
            Token::Lt => BinOp::Lt,
            Token::Le => BinOp::Le,
            Token::Gt => BinOp::Gt,
            Token::Ge => BinOp::Ge,
        };
        alt.clone()
            .then(cmp_op.then(alt).or_not())
            .map_with(|(lhs, rest), e| match rest {
                None => lhs,
                Some((op, rhs)) => Expr {
                    kind: ExprKind::Binary {
                        op,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                    span: e.span(),
                },
            })
            .labelled("an expression")
            .boxed()
    })
}
