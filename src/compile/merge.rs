//! Merging the inputs of a node: elementwise sum and channel concatenation.

use tch::{TchError, Tensor};

/// The elementwise sum of `inputs` (at least one, all of the same shape).
pub fn sum(inputs: &[Tensor]) -> Result<Tensor, TchError> {
    let Some((first, rest)) = inputs.split_first() else {
        return Err(TchError::Shape("sum of no inputs".to_string()));
    };
    let mut total = first.shallow_clone();
    for x in rest {
        if x.size() != first.size() {
            return Err(TchError::Shape(format!(
                "sum of tensors with shapes {:?} and {:?}",
                first.size(),
                x.size()
            )));
        }
        total = total.f_add(x)?;
    }
    Ok(total)
}

/// `inputs` concatenated along dimension 1 (channels of an image, features of a vector).
pub fn concat(inputs: &[Tensor]) -> Result<Tensor, TchError> {
    if inputs.is_empty() {
        return Err(TchError::Shape("concat of no inputs".to_string()));
    }
    Tensor::f_cat(inputs, 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn sums_and_concatenates_and_rejects_mismatches() {
        let a = Tensor::ones([2, 3, 4, 4], (Kind::Float, Device::Cpu));
        let b = Tensor::ones([2, 5, 4, 4], (Kind::Float, Device::Cpu));
        let s = sum(&[a.shallow_clone(), a.shallow_clone(), a.shallow_clone()]).unwrap();
        assert_eq!(s.double_value(&[1, 2, 3, 3]), 3.0);
        assert_eq!(
            concat(&[a.shallow_clone(), b.shallow_clone()])
                .unwrap()
                .size(),
            [2, 8, 4, 4]
        );
        assert!(sum(&[a.shallow_clone(), b]).is_err());
        assert!(sum(&[]).is_err());
        assert!(concat(&[a, Tensor::ones([2, 3], (Kind::Float, Device::Cpu))]).is_err());
    }
}
