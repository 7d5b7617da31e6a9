//! Items (`import`, `op`, `choice`, `cell`, `space`, `experiment`), their parameters,
//! statements and experiment entries, with error recovery at statement and item level.

use super::expr::expr as expr_parser;
use super::{ident, ident_text, ExprParser, SyntaxError};
use crate::syntax::ast::{
    Arg, CellDef, Direction, Entry, EntryValue, ExperimentDef, Expr, File, Ident, Import, Item,
    ItemKind, Objective, OpDef, Param, ParamType, SpaceDef, Stmt, StmtKind, TypeAnn,
};
use crate::syntax::span::Span;
use crate::syntax::suggest::did_you_mean;
use crate::syntax::token::Token;
use chumsky::input::ValueInput;
use chumsky::prelude::*;

/// Whether a token begins an item.
fn is_item_start(token: &Token<'_>) -> bool {
    matches!(
        token,
        Token::Import | Token::Op | Token::Choice | Token::Cell | Token::Space | Token::Experiment
    )
}

/// Skips one token, then any tokens up to (not including) one that `stop` accepts,
/// stepping over balanced bracket groups as units. Used for error recovery.
fn skip_until<'t, 's: 't, I, E, S>(
    stop: S,
) -> impl Parser<'t, I, (), extra::Err<E>> + Clone + use<'t, 's, I, E, S>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: SyntaxError<'t, I>,
    S: Parser<'t, I, (), extra::Err<E>> + Clone,
{
    let group = recursive(|group| {
        let inner = group
            .or(none_of([
                Token::LParen,
                Token::RParen,
                Token::LBracket,
                Token::RBracket,
                Token::LBrace,
                Token::RBrace,
            ])
            .ignored())
            .repeated();
        choice((
            inner
                .clone()
                .delimited_by(just(Token::LParen), just(Token::RParen)),
            inner
                .clone()
                .delimited_by(just(Token::LBracket), just(Token::RBracket)),
            inner.delimited_by(just(Token::LBrace), just(Token::RBrace)),
        ))
    });
    any()
        .ignored()
        .then(group.or(any().ignored()).and_is(stop.not()).repeated())
        .ignored()
}

/// A parameter list `(a: int, b: int = 1)`; absent parentheses mean no parameters.
fn params<'t, 's: 't, I, E>(
    expr: ExprParser<'t, I, E>,
) -> impl Parser<'t, I, Vec<Param>, extra::Err<E>> + Clone + use<'t, 's, I, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: SyntaxError<'t, I>,
{
    let type_ann = select! {
        Token::Ident(name) = e => (name, e.span()),
        Token::Op = e => ("op", e.span()),
    }
    .validate(|(name, span), _, emitter| {
        let kind = ParamType::ALL.into_iter().find(|ty| ty.name() == name);
        if kind.is_none() {
            let names = ParamType::ALL.map(ParamType::name);
            let hint = did_you_mean(name, names.iter().copied())
                .map(|best| format!("; did you mean `{best}`?"))
                .unwrap_or_default();
            emitter.emit(E::custom(
                span,
                format!("unknown type `{name}` (the types are int, float, bool, str and op){hint}"),
            ));
        }
        TypeAnn {
            kind: kind.unwrap_or(ParamType::Int),
            span,
        }
    })
    .labelled("a type");
    let param = ident()
        .then_ignore(just(Token::Colon))
        .then(type_ann)
        .then(just(Token::Assign).ignore_then(expr.clone()).or_not())
        .map_with(|((name, ty), default), e| Param {
            name,
            ty,
            default,
            span: e.span(),
        });
    param
        .separated_by(just(Token::Comma))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(just(Token::LParen), just(Token::RParen))
        .or_not()
        .map(Option::unwrap_or_default)
}

/// A `{ ... }` body of statements, recovering from bad statements.
fn body<'t, 's: 't, I, E, P>(
    stmt: P,
    is_start: fn(&Token<'_>) -> bool,
) -> impl Parser<'t, I, Vec<Stmt>, extra::Err<E>> + Clone + use<'t, 's, I, E, P>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: SyntaxError<'t, I>,
    P: Parser<'t, I, StmtKind, extra::Err<E>> + Clone,
{
    let stop = any()
        .filter(move |token: &Token<'s>| is_start(token) || *token == Token::RBrace)
        .ignored();
    stmt.map_with(|kind, e| {
        Some(Stmt {
            kind,
            span: e.span(),
        })
    })
    .recover_with(via_parser(
        just(Token::RBrace)
            .not()
            .ignore_then(skip_until(stop))
            .to(None),
    ))
    .repeated()
    .collect::<Vec<_>>()
    .map(|stmts| stmts.into_iter().flatten().collect())
    .delimited_by(just(Token::LBrace), just(Token::RBrace))
}

/// Whether a token begins a cell statement.
fn is_cell_start(token: &Token<'_>) -> bool {
    matches!(
        token,
        Token::Input
            | Token::State
            | Token::Node
            | Token::Next
            | Token::Output
            | Token::Let
            | Token::Where
    )
}

/// Whether a token begins a keyword statement in a space.
fn is_space_start(token: &Token<'_>) -> bool {
    matches!(token, Token::Input | Token::Let | Token::Where)
}

/// `let name = expr` and `where cond`, shared by cells and spaces.
fn let_or_where<'t, 's: 't, I, E>(
    expr: ExprParser<'t, I, E>,
) -> impl Parser<'t, I, StmtKind, extra::Err<E>> + Clone + use<'t, 's, I, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: SyntaxError<'t, I>,
{
    let let_stmt = just(Token::Let)
        .ignore_then(ident())
        .then_ignore(just(Token::Assign))
        .then(expr.clone())
        .map(|(name, value)| StmtKind::Let { name, value });
    let where_stmt = just(Token::Where)
        .ignore_then(expr.clone())
        .map(StmtKind::Where);
    let_stmt.or(where_stmt)
}

/// A cell body's statement.
fn cell_stmt<'t, 's: 't, I, E>(
    expr: ExprParser<'t, I, E>,
) -> impl Parser<'t, I, StmtKind, extra::Err<E>> + Clone + use<'t, 's, I, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: SyntaxError<'t, I>,
{
    let input = just(Token::Input)
        .ignore_then(
            ident()
                .separated_by(just(Token::Comma))
                .at_least(1)
                .collect::<Vec<_>>(),
        )
        .map(StmtKind::Input);
    let node = just(Token::Node)
        .ignore_then(ident())
        .then_ignore(just(Token::Assign))
        .then(expr.clone())
        .map(|(name, value)| StmtKind::Node { name, value });
    let output = just(Token::Output)
        .ignore_then(expr.clone())
        .map(StmtKind::Output);
    let state = just(Token::State)
        .ignore_then(
            ident()
                .separated_by(just(Token::Comma))
                .at_least(1)
                .collect::<Vec<_>>(),
        )
        .map(StmtKind::State);
    let next = just(Token::Next)
        .ignore_then(ident())
        .then_ignore(just(Token::Assign))
        .then(expr.clone())
        .map(|(state, value)| StmtKind::Next { state, value });
    choice((input, state, node, next, output, let_or_where(expr.clone())))
        .labelled("a cell statement (input, state, node, next, output, let, where)")
}

/// A space body's statement.
fn space_stmt<'t, 's: 't, I, E>(
    expr: ExprParser<'t, I, E>,
) -> impl Parser<'t, I, StmtKind, extra::Err<E>> + Clone + use<'t, 's, I, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: SyntaxError<'t, I>,
{
    let input = just(Token::Input)
        .ignore_then(expr.clone())
        .map(StmtKind::InputShape);
    choice((
        input,
        let_or_where(expr.clone()),
        expr.map(StmtKind::Network),
    ))
}

/// An experiment entry: `key value`.
fn entry<'t, 's: 't, I, E>(
    expr: ExprParser<'t, I, E>,
) -> impl Parser<'t, I, Entry, extra::Err<E>> + Clone + use<'t, 's, I, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: SyntaxError<'t, I>,
{
    let key = select! {
        Token::Ident(name) = e => Ident { name: name.into(), span: e.span() },
        token = e if token.is_keyword() => Ident { name: token.symbol().into(), span: e.span() },
    }
    .labelled("an entry name");
    let direction = select! {
        Token::Ident("maximize") = e => (Direction::Maximize, e.span()),
        Token::Ident("minimize") = e => (Direction::Minimize, e.span()),
    };
    let objective = direction
        .then(expr.clone())
        .map(|((direction, direction_span), value)| Objective {
            direction,
            direction_span,
            value,
        })
        .separated_by(just(Token::Comma))
        .at_least(1)
        .collect::<Vec<_>>()
        .map(EntryValue::Objective);
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
    let positional_arg = expr.clone().map_with(|value: Expr, e| Arg {
        name: None,
        value,
        span: e.span(),
    });
    let args = named_arg
        .or(positional_arg)
        .separated_by(just(Token::Comma))
        .at_least(1)
        .collect::<Vec<_>>()
        .map(EntryValue::Args);
    key.then(objective.or(args))
        .map_with(|(key, value), e| Entry {
            key,
            value,
            span: e.span(),
        })
}

/// One item, or `None` where a broken item was skipped.
fn item<'t, 's: 't, I, E>(
    expr: ExprParser<'t, I, E>,
) -> impl Parser<'t, I, Option<Item>, extra::Err<E>> + Clone + use<'t, 's, I, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: SyntaxError<'t, I>,
{
    let import = just(Token::Import)
        .ignore_then(select! { Token::Str(path) = e => (path, e.span()) }.labelled("a path string"))
        .map(|(path, path_span)| ItemKind::Import(Import { path, path_span }));
    let op_def = ident()
        .then(params(expr.clone()))
        .then_ignore(just(Token::Assign))
        .then(expr.clone())
        .map(|((name, params), body)| OpDef { name, params, body });
    let op = just(Token::Op)
        .ignore_then(op_def.clone())
        .map(ItemKind::Op);
    let choice_item = just(Token::Choice)
        .ignore_then(op_def)
        .map(ItemKind::Choice);
    let cell = just(Token::Cell)
        .ignore_then(ident())
        .then(params(expr.clone()))
        .then(body(cell_stmt(expr.clone()), is_cell_start))
        .map(|((name, params), body)| ItemKind::Cell(CellDef { name, params, body }));
    let space = just(Token::Space)
        .ignore_then(ident())
        .then(params(expr.clone()))
        .then(body(space_stmt(expr.clone()), is_space_start))
        .map(|((name, params), body)| ItemKind::Space(SpaceDef { name, params, body }));
    let experiment = just(Token::Experiment)
        .ignore_then(ident())
        .then(
            entry(expr)
                .repeated()
                .collect::<Vec<_>>()
                .delimited_by(just(Token::LBrace), just(Token::RBrace)),
        )
        .map(|(name, entries)| ItemKind::Experiment(ExperimentDef { name, entries }));
    let stop = any()
        .filter(|token: &Token<'s>| is_item_start(token))
        .ignored();
    choice((import, op, choice_item, cell, space, experiment))
        .labelled("an item (import, op, choice, cell, space, experiment)")
        .map_with(|kind, e| {
            Some(Item {
                kind,
                span: e.span(),
            })
        })
        .recover_with(via_parser(skip_until(stop).to(None)))
}

/// A whole file.
pub fn file<'t, 's: 't, I, E>() -> impl Parser<'t, I, File, extra::Err<E>> + use<'t, 's, I, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: SyntaxError<'t, I>,
{
    item(expr_parser().boxed())
        .repeated()
        .collect::<Vec<_>>()
        .then_ignore(end())
        .map_with(|items, e| File {
            items: items.into_iter().flatten().collect(),
            span: e.span(),
        })
}
