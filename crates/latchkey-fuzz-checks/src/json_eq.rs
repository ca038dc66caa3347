//! JSON equality for round-trip properties, tolerant of float rounding.
//!
//! `serde_json` is built without its `float_roundtrip` feature (as in Latchkey itself), so
//! parsing a float can land one or two ULPs away from the correctly rounded value; printing that
//! and parsing it again may not give the same `f64`. Documents keep unknown members (`extra`), so
//! a float there can move by an ULP across a store/load. That is serde_json's documented
//! behaviour, not a Latchkey bug, and is all this tolerates: structure, keys, strings, booleans
//! and integers must be exactly equal.

use serde_json::Value;

fn close(a: f64, b: f64) -> bool {
    if a == b {
        return true;
    }
    if !a.is_finite() || !b.is_finite() || a.is_sign_negative() != b.is_sign_negative() {
        return false;
    }
    a.to_bits().abs_diff(b.to_bits()) <= 4
}

pub fn approx_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x.is_f64() || y.is_f64() {
                match (x.as_f64(), y.as_f64()) {
                    (Some(p), Some(q)) => close(p, q),
                    _ => false,
                }
            } else {
                x == y
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| approx_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && approx_eq(vx, vy))
        }
        _ => a == b,
    }
}
