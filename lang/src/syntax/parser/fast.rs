//! The fast path for valid input: a hand-written recursive-descent parser over the token
//! slice that builds exactly the tree the chumsky grammar (`items.rs`, `expr.rs`) builds,
//! and gives up (`None`) at the first token that does not fit. [`super::parse`] then parses
//! the file again with the chumsky parser, whose error recovery reports every problem.
//!
//! It follows the chumsky grammar's ordered choices: wherever the grammar tries alternatives
//! in turn, this parser picks the first one whose leading tokens fit and never backtracks, so
//! it either builds the same tree or gives up. The limits the grammar enforces with errors
//! (`MAX_CHAIN`, `MAX_PREFIX`, `independent` after `/` or `%`, unknown types) make it give up
//! too. Recursion is bounded: each level of it takes a bracket, and the lexer refuses files
//! whose brackets nest deeper than [`crate::syntax::lexer::MAX_NESTING`].
//! `tests/lang_fuzz.rs` checks that [`super::parse`] and [`super::parse_recovering`] agree on
//! every program in the repository and on random and mutated ones.

use super::expr::{fold_ops, number_lit, MAX_CHAIN, MAX_PREFIX};
use crate::syntax::ast::{
    Arg, Args, BinOp, CellDef, Direction, Entry, EntryValue, ExperimentDef, Expr, ExprKind, Ident,
    Import, Item, ItemKind, Lit, Name, Objective, OpDef, Param, ParamType, PickCount, Ref, Res,
    SpaceDef, Stmt, StmtKind, TypeAnn,
};
use crate::syntax::span::Span;
use crate::syntax::token::Token;

/// The items of a file made of `tokens`, or `None` when the file does not parse cleanly.
pub(super) fn parse_items(tokens: &[(Token<'_>, Span)]) -> Option<Vec<Item>> {
    let mut parser = Parser {
        tokens,
        pos: 0,
        exprs: Vec::with_capacity(64),
        args: Vec::with_capacity(64),
        params: Vec::with_capacity(16),
        stmts: Vec::with_capacity(16),
    };
    let mut items = Vec::new();
    while parser.pos < tokens.len() {
        items.push(parser.item()?);
    }
    Some(items)
}

/// A cursor over the tokens, with scratch stacks for the lists being built.
///
/// Expression, argument, parameter and statement lists are pushed onto these stacks (nested
/// lists stack above their parent's entries) and moved out into a vector of exactly their
/// length when complete: no regrowth while a list is built, and no spare capacity kept in
/// the tree.
struct Parser<'a, 's> {
    tokens: &'a [(Token<'s>, Span)],
    pos: usize,
    exprs: Vec<Expr>,
    args: Vec<Arg>,
    params: Vec<Param>,
    stmts: Vec<Stmt>,
}

/// Precedence levels of the binary operators, loosest first.
const CMP: u8 = 0;
/// `|`.
const ALT: u8 = 1;
/// `..` and `..=`.
const RANGE: u8 = 2;
/// `>>`.
const SEQ: u8 = 3;
/// `+` and `-`.
const ADD: u8 = 4;
/// `*`, `/` and `%`.
const MUL: u8 = 5;

/// The precedence level of a binary operator token.
fn op_level(token: &Token<'_>) -> Option<u8> {
    match token {
        Token::EqEq | Token::NotEq | Token::Lt | Token::Le | Token::Gt | Token::Ge => Some(CMP),
        Token::Bar => Some(ALT),
        Token::DotDot | Token::DotDotEq => Some(RANGE),
        Token::Then => Some(SEQ),
        Token::Plus | Token::Minus => Some(ADD),
        Token::Star | Token::Slash | Token::Percent => Some(MUL),
        _ => None,
    }
}

/// The arithmetic operator a token stands for at `level` (`ADD` or `MUL`).
fn arith_op(token: &Token<'_>, level: u8) -> Option<BinOp> {
    match (token, level) {
        (Token::Plus, ADD) => Some(BinOp::Add),
        (Token::Minus, ADD) => Some(BinOp::Sub),
        (Token::Star, MUL) => Some(BinOp::Mul),
        (Token::Slash, MUL) => Some(BinOp::Div),
        (Token::Percent, MUL) => Some(BinOp::Rem),
        _ => None,
    }
}

/// The comparisons.
fn cmp_op(token: &Token<'_>) -> Option<BinOp> {
    match token {
        Token::EqEq => Some(BinOp::Eq),
        Token::NotEq => Some(BinOp::Ne),
        Token::Lt => Some(BinOp::Lt),
        Token::Le => Some(BinOp::Le),
        Token::Gt => Some(BinOp::Gt),
        Token::Ge => Some(BinOp::Ge),
        _ => None,
    }
}

impl<'s> Parser<'_, 's> {
    /// The next token, if any.
    fn peek(&self) -> Option<&Token<'s>> {
        self.tokens.get(self.pos).map(|(token, _)| token)
    }

    /// The token `n` places after the next one, if any.
    fn peek_at(&self, n: usize) -> Option<&Token<'s>> {
        self.tokens.get(self.pos + n).map(|(token, _)| token)
    }

    /// Whether the next token is `token`, which must be a token without data (punctuation
    /// or a keyword), so that comparing variants is comparing tokens.
    fn at(&self, token: &Token<'_>) -> bool {
        self.peek()
            .is_some_and(|next| std::mem::discriminant(next) == std::mem::discriminant(token))
    }

    /// Consumes the next token (which must exist) and returns its span.
    fn bump(&mut self) -> Span {
        let span = self.tokens[self.pos].1;
        self.pos += 1;
        span
    }

    /// Consumes the next token if it is `token`, returning its span.
    fn eat(&mut self, token: &Token<'_>) -> Option<Span> {
        self.at(token).then(|| self.bump())
    }

    /// The span from the token at `start` to the last token consumed (what chumsky's
    /// `span()` gives for a parser that began at `start`).
    fn since(&self, start: usize) -> Span {
        self.tokens[start].1.to(self.tokens[self.pos - 1].1)
    }

    /// An identifier.
    fn ident(&mut self) -> Option<Ident> {
        match self.peek()? {
            Token::Ident(name) => {
                let name = Name::from(*name);
                Some(Ident {
                    name,
                    span: self.bump(),
                })
            }
            _ => None,
        }
    }

    /// `expr (, expr)* ,?` up to (and including) `close`; the opening bracket is consumed.
    fn expr_list(&mut self, close: &Token<'_>) -> Option<Vec<Expr>> {
        let base = self.exprs.len();
        while !self.at(close) {
            let expr = self.expr()?;
            self.exprs.push(expr);
            if self.eat(&Token::Comma).is_none() {
                break;
            }
        }
        self.eat(close)?;
        Some(self.exprs.drain(base..).collect())
    }

    /// `arg (, arg)*`, and `,?` then `close` when `close` is given (the opening bracket, if
    /// any, is consumed).
    fn arg_list(&mut self, close: Option<&Token<'_>>) -> Option<Vec<Arg>> {
        let base = self.args.len();
        while close.is_none_or(|close| !self.at(close)) {
            let arg = self.arg()?;
            self.args.push(arg);
            if self.eat(&Token::Comma).is_none() {
                break;
            }
        }
        if let Some(close) = close {
            self.eat(close)?;
        }
        Some(self.args.drain(base..).collect())
    }

    // ----- items -----

    /// One item.
    fn item(&mut self) -> Option<Item> {
        let start = self.pos;
        let kind = match self.peek()? {
            Token::Import => {
                self.bump();
                match self.peek()? {
                    Token::Str(path) => {
                        let path = path.clone();
                        ItemKind::Import(Import {
                            path,
                            path_span: self.bump(),
                        })
                    }
                    _ => return None,
                }
            }
            Token::Op => {
                self.bump();
                ItemKind::Op(self.op_def()?)
            }
            Token::Choice => {
                self.bump();
                ItemKind::Choice(self.op_def()?)
            }
            Token::Cell => {
                self.bump();
                let name = self.ident()?;
                let params = self.params()?;
                let body = self.body(Self::cell_stmt)?;
                ItemKind::Cell(CellDef { name, params, body })
            }
            Token::Space => {
                self.bump();
                let name = self.ident()?;
                let params = self.params()?;
                let body = self.body(Self::space_stmt)?;
                ItemKind::Space(SpaceDef { name, params, body })
            }
            Token::Experiment => {
                self.bump();
                let name = self.ident()?;
                self.eat(&Token::LBrace)?;
                let mut entries = Vec::new();
                while !self.at(&Token::RBrace) {
                    entries.push(self.entry()?);
                }
                self.bump();
                ItemKind::Experiment(ExperimentDef { name, entries })
            }
            _ => return None,
        };
        Some(Item {
            kind,
            span: self.since(start),
        })
    }

    /// `name(params) = expr` of an `op` or `choice`.
    fn op_def(&mut self) -> Option<OpDef> {
        let name = self.ident()?;
        let params = self.params()?;
        self.eat(&Token::Assign)?;
        let body = self.expr()?;
        Some(OpDef { name, params, body })
    }

    /// An optional parameter list.
    fn params(&mut self) -> Option<Vec<Param>> {
        if self.eat(&Token::LParen).is_none() {
            return Some(Vec::new());
        }
        let base = self.params.len();
        while !self.at(&Token::RParen) {
            let param = self.param()?;
            self.params.push(param);
            if self.eat(&Token::Comma).is_none() {
                break;
            }
        }
        self.eat(&Token::RParen)?;
        Some(self.params.drain(base..).collect())
    }

    /// `name: type` or `name: type = default`.
    fn param(&mut self) -> Option<Param> {
        let start = self.pos;
        let name = self.ident()?;
        self.eat(&Token::Colon)?;
        let written = match self.peek()? {
            Token::Ident(name) => *name,
            Token::Op => "op",
            _ => return None,
        };
        let kind = ParamType::ALL.into_iter().find(|ty| ty.name() == written)?;
        let ty = TypeAnn {
            kind,
            span: self.bump(),
        };
        let default = match self.eat(&Token::Assign) {
            Some(_) => Some(self.expr()?),
            None => None,
        };
        Some(Param {
            name,
            ty,
            default,
            span: self.since(start),
        })
    }

    /// A `{ statements }` body.
    fn body(&mut self, stmt: fn(&mut Self) -> Option<StmtKind>) -> Option<Vec<Stmt>> {
        self.eat(&Token::LBrace)?;
        let base = self.stmts.len();
        while !self.at(&Token::RBrace) {
            let start = self.pos;
            let kind = stmt(self)?;
            let span = self.since(start);
            self.stmts.push(Stmt { kind, span });
        }
        self.bump();
        Some(self.stmts.drain(base..).collect())
    }

    /// `let name = expr` or `where cond` (the keyword is next).
    fn let_or_where(&mut self) -> Option<StmtKind> {
        match self.peek()? {
            Token::Let => {
                self.bump();
                let name = self.ident()?;
                self.eat(&Token::Assign)?;
                let value = self.expr()?;
                Some(StmtKind::Let { name, value })
            }
            Token::Where => {
                self.bump();
                Some(StmtKind::Where(self.expr()?))
            }
            _ => None,
        }
    }

    /// A cell statement.
    fn cell_stmt(&mut self) -> Option<StmtKind> {
        match self.peek()? {
            Token::Input => {
                self.bump();
                let mut names = vec![self.ident()?];
                while self.eat(&Token::Comma).is_some() {
                    names.push(self.ident()?);
                }
                Some(StmtKind::Input(names))
            }
            Token::State => {
                self.bump();
                let mut names = vec![self.ident()?];
                while self.eat(&Token::Comma).is_some() {
                    names.push(self.ident()?);
                }
                Some(StmtKind::State(names))
            }
            Token::Next => {
                self.bump();
                let state = self.ident()?;
                self.eat(&Token::Assign)?;
                let value = self.expr()?;
                Some(StmtKind::Next { state, value })
            }
            Token::Node => {
                self.bump();
                let name = self.ident()?;
                self.eat(&Token::Assign)?;
                let value = self.expr()?;
                Some(StmtKind::Node { name, value })
            }
            Token::Output => {
                self.bump();
                Some(StmtKind::Output(self.expr()?))
            }
            _ => self.let_or_where(),
        }
    }

    /// A space statement.
    fn space_stmt(&mut self) -> Option<StmtKind> {
        match self.peek()? {
            Token::Input => {
                self.bump();
                Some(StmtKind::InputShape(self.expr()?))
            }
            Token::Let | Token::Where => self.let_or_where(),
            _ => Some(StmtKind::Network(self.expr()?)),
        }
    }

    /// An experiment entry: a key, then `maximize metric` or arguments.
    fn entry(&mut self) -> Option<Entry> {
        let start = self.pos;
        let name = match self.peek()? {
            Token::Ident(name) => Name::from(*name),
            token if token.is_keyword() => Name::from(token.symbol()),
            _ => return None,
        };
        let key = Ident {
            name,
            span: self.bump(),
        };
        let direction = match self.peek() {
            Some(Token::Ident("maximize")) => Some(Direction::Maximize),
            Some(Token::Ident("minimize")) => Some(Direction::Minimize),
            _ => None,
        };
        let value = match direction {
            Some(direction) => {
                let mut objectives = vec![Objective {
                    direction,
                    direction_span: self.bump(),
                    value: self.expr()?,
                }];
                while matches!(self.peek(), Some(Token::Comma)) {
                    self.bump();
                    let direction = match self.peek() {
                        Some(Token::Ident("maximize")) => Direction::Maximize,
                        Some(Token::Ident("minimize")) => Direction::Minimize,
                        _ => return None,
                    };
                    objectives.push(Objective {
                        direction,
                        direction_span: self.bump(),
                        value: self.expr()?,
                    });
                }
                EntryValue::Objective(objectives)
            }
            _ => EntryValue::Args(self.arg_list(None)?),
        };
        Some(Entry {
            key,
            value,
            span: self.since(start),
        })
    }

    // ----- expressions -----

    /// An expression.
    fn expr(&mut self) -> Option<Expr> {
        self.level(CMP)
    }

    /// An operand followed by operators of precedence `min` or tighter: the expression that
    /// the grammar's level `min` parses. Precedence climbing builds the tree that the
    /// grammar's one-rule-per-level descent builds, without a call per level per operand.
    fn level(&mut self, min: u8) -> Option<Expr> {
        let start = self.pos;
        let mut lhs = self.unary()?;
        while let Some(level) = self.peek().and_then(op_level) {
            if level < min {
                break;
            }
            lhs = self.operators(level, start, lhs)?;
            // A comparison or a range takes one operator; the grammar stops before a second.
            if level <= RANGE && self.peek().and_then(op_level) == Some(level) {
                return None;
            }
        }
        Some(lhs)
    }

    /// The operators of `level` after `lhs` (which began at token `start`), each followed by
    /// an operand of the next tighter level.
    fn operators(&mut self, level: u8, start: usize, lhs: Expr) -> Option<Expr> {
        let kind = match level {
            CMP => {
                let op = cmp_op(self.peek()?)?;
                self.bump();
                let rhs = self.level(ALT)?;
                ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                }
            }
            RANGE => {
                let inclusive = self.at(&Token::DotDotEq);
                self.bump();
                let end = self.level(SEQ)?;
                ExprKind::Range {
                    start: Box::new(lhs),
                    end: Box::new(end),
                    inclusive,
                }
            }
            ALT | SEQ => {
                let base = self.exprs.len();
                self.exprs.push(lhs);
                while self.peek().and_then(op_level) == Some(level) {
                    self.bump();
                    let item = self.level(level + 1)?;
                    self.exprs.push(item);
                }
                let items = self.exprs.drain(base..).collect();
                match level {
                    ALT => ExprKind::Alt(items),
                    _ => ExprKind::Seq(items),
                }
            }
            _ => return self.chain(level, lhs),
        };
        Some(Expr {
            kind,
            span: self.since(start),
        })
    }

    /// A left-nested chain of `+ -` (`ADD`) or `* / %` (`MUL`, where `independent` may
    /// follow `* n`).
    fn chain(&mut self, level: u8, first: Expr) -> Option<Expr> {
        let mut rest = Vec::new();
        while let Some(op) = self.peek().and_then(|token| arith_op(token, level)) {
            self.bump();
            let rhs = self.level(level + 1)?;
            let independent = match level {
                MUL => self.eat(&Token::Independent),
                _ => None,
            };
            if independent.is_some() && op != BinOp::Mul {
                return None;
            }
            rest.push((op, rhs, independent));
        }
        if rest.len() >= MAX_CHAIN {
            return None;
        }
        Some(fold_ops(first, rest))
    }

    /// `-* primary`.
    fn unary(&mut self) -> Option<Expr> {
        let mut minuses: Vec<Span> = Vec::new();
        while let Some(span) = self.eat(&Token::Minus) {
            minuses.push(span);
        }
        if minuses.len() > MAX_PREFIX {
            return None;
        }
        let operand = self.primary()?;
        Some(
            minuses
                .into_iter()
                .rev()
                .fold(operand, |operand, minus| Expr {
                    span: minus.to(operand.span),
                    kind: ExprKind::Neg(Box::new(operand)),
                }),
        )
    }

    /// `any of [..]`, or an atom optionally followed by `of [..]`.
    fn primary(&mut self) -> Option<Expr> {
        let start = self.pos;
        let count = match self.peek()? {
            Token::Any => {
                self.bump();
                None
            }
            _ => Some(self.atom()?),
        };
        let is_any = count.is_none();
        if !is_any && !self.at(&Token::Of) {
            return count;
        }
        self.eat(&Token::Of)?;
        self.eat(&Token::LBracket)?;
        let candidates = self.expr_list(&Token::RBracket)?;
        let count = match count {
            None => PickCount::Any,
            Some(count) => PickCount::Exactly(Box::new(count)),
        };
        Some(Expr {
            kind: ExprKind::Pick { count, candidates },
            span: self.since(start),
        })
    }

    /// A literal, a reference, a list or a parenthesised expression.
    fn atom(&mut self) -> Option<Expr> {
        let start = self.pos;
        let kind = match self.peek()? {
            Token::Number(number) => {
                let lit = number_lit(*number);
                self.bump();
                ExprKind::Lit(lit)
            }
            Token::Str(text) => {
                let text = text.clone();
                self.bump();
                ExprKind::Lit(Lit::Str(text))
            }
            Token::True | Token::False => {
                let value = self.at(&Token::True);
                self.bump();
                ExprKind::Lit(Lit::Bool(value))
            }
            Token::Error => {
                self.bump();
                ExprKind::Error
            }
            Token::Ident(_) => {
                let name = self.ident()?;
                let args = match self.at(&Token::LParen) {
                    true => Some(Box::new(self.args()?)),
                    false => None,
                };
                ExprKind::Ref(Ref {
                    name,
                    args,
                    res: Res::Unresolved,
                })
            }
            Token::LBracket => {
                self.bump();
                ExprKind::List(self.expr_list(&Token::RBracket)?)
            }
            Token::LParen => {
                self.bump();
                let inner = self.expr()?;
                self.eat(&Token::RParen)?;
                return Some(inner);
            }
            _ => return None,
        };
        Some(Expr {
            kind,
            span: self.since(start),
        })
    }

    /// `( args )` after a name.
    fn args(&mut self) -> Option<Args> {
        let start = self.pos;
        self.bump();
        let items = self.arg_list(Some(&Token::RParen))?;
        Some(Args {
            items,
            span: self.since(start),
        })
    }

    /// `name: expr` or `expr`.
    fn arg(&mut self) -> Option<Arg> {
        let start = self.pos;
        let name = match (self.peek()?, self.peek_at(1)) {
            (Token::Ident(_), Some(Token::Colon)) => {
                let name = self.ident()?;
                self.bump();
                Some(name)
            }
            _ => None,
        };
        let value = self.expr()?;
        Some(Arg {
            name,
            value,
            span: self.since(start),
        })
    }
}
