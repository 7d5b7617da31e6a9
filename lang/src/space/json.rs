//! The JSON form of architectures: an object from decision name to value, active decisions
//! only (`{"x1.e0": "nor_conv_3x3", "depth": 3, "n0.in": ["c0", "c1"]}`).

use super::arch::Architecture;
use super::decision::{Domain, Value};
use super::error::SpaceError;
use super::ir::Space;
use super::text::parse_value;
use serde_json::{Map, Value as Json};

impl Space {
    /// The JSON form of `arch`.
    pub fn to_json(&self, arch: &Architecture) -> Json {
        let mut map = Map::new();
        for (d, dec) in self.decisions().iter().enumerate() {
            let v = arch.values()[d];
            let j = match (&dec.domain, v) {
                (_, Value::Off) => continue,
                (Domain::Categorical(alts), Value::Cat(c)) => {
                    Json::String(alts[c as usize].label.clone())
                }
                (_, Value::Int(x)) => Json::from(x),
                (_, Value::Bool(b)) => Json::Bool(b),
                (
                    Domain::Pick { candidates, .. } | Domain::Subset { candidates },
                    Value::Set(s),
                ) => Json::Array(
                    (0..candidates.len())
                        .filter(|i| s >> i & 1 == 1)
                        .map(|i| Json::String(candidates[i].clone()))
                        .collect(),
                ),
                _ => continue,
            };
            map.insert(dec.name.clone(), j);
        }
        Json::Object(map)
    }

    /// Decodes the JSON form; unknown names, missing or extra values, and values outside a
    /// decision's domain are errors.
    pub fn from_json(&self, json: &Json) -> Result<Architecture, SpaceError> {
        let hint = "give an object from decision name to value for every active decision";
        let Json::Object(map) = json else {
            return Err(SpaceError::decode("the JSON form is an object", hint));
        };
        if let Some(name) = map.keys().find(|k| self.decision_index(k).is_none()) {
            return Err(SpaceError::decode(
                format!("this space has no decision `{name}`"),
                hint,
            ));
        }
        let mut values = vec![Value::Off; self.decisions().len()];
        for (d, dec) in self.decisions().iter().enumerate() {
            let active = self.is_active(d, &values);
            match (active, map.get(&dec.name)) {
                (true, Some(j)) => {
                    let text = match j {
                        Json::String(s) => s.clone(),
                        Json::Number(n) => n.to_string(),
                        Json::Bool(b) => b.to_string(),
                        Json::Array(items) => {
                            let mut names = Vec::new();
                            for it in items {
                                match it {
                                    Json::String(s) => names.push(s.as_str()),
                                    _ => {
                                        return Err(SpaceError::decode(
                                            format!(
                                                "decision `{}`: a set holds candidate names",
                                                dec.name
                                            ),
                                            hint,
                                        ))
                                    }
                                }
                            }
                            format!("{{{}}}", names.join(","))
                        }
                        _ => {
                            return Err(SpaceError::decode(
                                format!("decision `{}`: {j} is not a value", dec.name),
                                hint,
                            ))
                        }
                    };
                    if matches!(j, Json::String(_)) != matches!(dec.domain, Domain::Categorical(_))
                    {
                        return Err(SpaceError::decode(
                            format!("decision `{}`: {j} has the wrong JSON type", dec.name),
                            hint,
                        ));
                    }
                    values[d] = parse_value(&dec.domain, &text).map_err(|m| {
                        SpaceError::decode(format!("decision `{}`: {m}", dec.name), hint)
                    })?;
                }
                (true, None) => {
                    return Err(SpaceError::decode(
                        format!("decision `{}` has no value", dec.name),
                        hint,
                    ))
                }
                (false, Some(_)) => {
                    return Err(SpaceError::decode(
                        format!(
                            "decision `{}` is inactive given the other values, but has one",
                            dec.name
                        ),
                        "leave out decisions whose guard does not hold",
                    ))
                }
                (false, None) => {}
            }
        }
        let arch = Architecture::from_values_unchecked(values);
        self.validate(&arch)?;
        Ok(arch)
    }
}
