//! Latency percentiles from a full sample (microseconds), nearest-rank.

/// Sorts `sample` and returns the `q` quantile (0.0..=1.0) by nearest rank; 0 when empty.
pub fn percentile(sample: &mut [u32], q: f64) -> u32 {
    if sample.is_empty() {
        return 0;
    }
    sample.sort_unstable();
    let rank = (q * sample.len() as f64).ceil() as usize;
    sample[rank.clamp(1, sample.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank() {
        let mut v: Vec<u32> = (1..=100).rev().collect();
        assert_eq!(percentile(&mut v, 0.5), 50);
        assert_eq!(percentile(&mut v, 0.99), 99);
        assert_eq!(percentile(&mut v, 1.0), 100);
        assert_eq!(percentile(&mut [], 0.5), 0);
    }
}
