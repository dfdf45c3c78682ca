//! Money: amounts are kept in fen (分) as integers and shown in yuan.

/// The largest amount anyone may type, in yuan.
pub const MAX_AMOUNT_YUAN: f64 = 1_000_000.0;

/// Yuan with at most two decimals → fen.
pub fn yuan_to_fen(yuan: f64) -> Result<i64, String> {
    if !yuan.is_finite() || yuan < 0.0 {
        return Err("金额不能为负数".into());
    }
    if yuan > MAX_AMOUNT_YUAN {
        return Err("金额过大,请核对".into());
    }
    let fen = (yuan * 100.0).round();
    if (yuan * 100.0 - fen).abs() > 1e-6 {
        return Err("金额最多保留两位小数".into());
    }
    Ok(fen as i64)
}

pub fn fen_to_yuan(fen: i64) -> f64 {
    fen as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_keeps_two_decimals_exactly() {
        assert_eq!(yuan_to_fen(1234.56), Ok(123456));
        assert_eq!(yuan_to_fen(0.1 + 0.2), Ok(30));
        assert!(yuan_to_fen(1.234).is_err());
        assert_eq!(fen_to_yuan(123456), 1234.56);
        assert_eq!(yuan_to_fen(1234.5), Ok(123_450));
        assert_eq!(yuan_to_fen(0.01), Ok(1));
        assert!(yuan_to_fen(1.005).is_err());
        assert!(yuan_to_fen(-1.0).is_err());
        assert!(yuan_to_fen(f64::NAN).is_err());
        assert!(yuan_to_fen(MAX_AMOUNT_YUAN + 1.0).is_err());
        assert_eq!(fen_to_yuan(123_450), 1234.5);
    }
}
