//! The one evaluator of arithmetic on sizes: channel counts, spatial sizes, feature counts,
//! parameter and operation counts, and the integer expressions that compute them. Every
//! operation is checked: an overflow (or a division by zero) is an error the caller reports,
//! never a wrapped value and never a panic.

use std::fmt;

/// An arithmetic operation on sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`, rounding towards zero.
    Div,
    /// `a % b`.
    Rem,
}

impl Arith {
    /// The operator as written (`*`).
    pub fn symbol(self) -> &'static str {
        match self {
            Arith::Add => "+",
            Arith::Sub => "-",
            Arith::Mul => "*",
            Arith::Div => "/",
            Arith::Rem => "%",
        }
    }
}

/// Why a size could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeError {
    /// `a op b` does not fit in a 64-bit int.
    Overflow {
        /// The operation.
        op: Arith,
        /// Its left operand.
        a: i64,
        /// Its right operand.
        b: i64,
    },
    /// A division (or remainder) by zero.
    DivisionByZero,
}

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizeError::Overflow { op, a, b } => {
                write!(f, "`{a} {} {b}` overflows a 64-bit int", op.symbol())
            }
            SizeError::DivisionByZero => f.write_str("division by zero"),
        }
    }
}

impl std::error::Error for SizeError {}

/// What to do about an overflowing size (the hint of its diagnostic).
pub const OVERFLOW_HINT: &str =
    "sizes, channel counts and the products of them must stay below 2^63; use smaller arguments";

/// `a op b`, checked.
pub fn eval(op: Arith, a: i64, b: i64) -> Result<i64, SizeError> {
    if matches!(op, Arith::Div | Arith::Rem) && b == 0 {
        return Err(SizeError::DivisionByZero);
    }
    let value = match op {
        Arith::Add => a.checked_add(b),
        Arith::Sub => a.checked_sub(b),
        Arith::Mul => a.checked_mul(b),
        Arith::Div => a.checked_div(b),
        Arith::Rem => a.checked_rem(b),
    };
    value.ok_or(SizeError::Overflow { op, a, b })
}

/// `-a`, checked (as `0 - a`).
pub fn neg(a: i64) -> Result<i64, SizeError> {
    eval(Arith::Sub, 0, a)
}

/// `a + b`, checked.
pub fn add(a: i64, b: i64) -> Result<i64, SizeError> {
    eval(Arith::Add, a, b)
}

/// `a * b`, checked.
pub fn mul(a: i64, b: i64) -> Result<i64, SizeError> {
    eval(Arith::Mul, a, b)
}

/// The sum of `terms`, checked (0 for none).
pub fn sum(terms: impl IntoIterator<Item = i64>) -> Result<i64, SizeError> {
    terms.into_iter().try_fold(0, add)
}

/// The product of `factors`, checked (1 for none).
pub fn product(factors: impl IntoIterator<Item = i64>) -> Result<i64, SizeError> {
    factors.into_iter().try_fold(1, mul)
}

/// `ceil(n / d)` for `n >= 0` and `d >= 1` (the size of a map after a same-padded window of
/// stride `d`); never overflows.
pub fn ceil_div(n: i64, d: i64) -> Result<i64, SizeError> {
    if d == 0 {
        return Err(SizeError::DivisionByZero);
    }
    let q = eval(Arith::Div, n, d)?;
    Ok(if n % d != 0 && (n < 0) == (d < 0) {
        q + 1
    } else {
        q
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_is_an_error_that_names_the_operation() {
        let err = mul(4_000_000_000, 4_000_000_000).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`4000000000 * 4000000000` overflows a 64-bit int"
        );
        assert!(add(i64::MAX, 1).is_err());
        assert!(neg(i64::MIN).is_err());
        assert_eq!(eval(Arith::Div, 1, 0), Err(SizeError::DivisionByZero));
        assert!(eval(Arith::Div, i64::MIN, -1).is_err());
        assert_eq!(eval(Arith::Rem, 7, 3), Ok(1));
    }

    #[test]
    fn folds_check_every_step() {
        assert_eq!(product([3, 32, 32]), Ok(3072));
        assert_eq!(product([]), Ok(1));
        assert!(product([1 << 40, 1 << 30]).is_err());
        assert_eq!(sum([16, 16, 32]), Ok(64));
        assert!(sum([i64::MAX, 1, -5]).is_err());
    }

    #[test]
    fn ceil_div_rounds_up_without_overflowing() {
        assert_eq!(ceil_div(7, 2), Ok(4));
        assert_eq!(ceil_div(8, 2), Ok(4));
        assert_eq!(ceil_div(i64::MAX, 2), Ok(i64::MAX / 2 + 1));
        assert_eq!(ceil_div(0, 3), Ok(0));
        assert_eq!(ceil_div(5, 0), Err(SizeError::DivisionByZero));
    }
}
