//! Stan's windowed adaptation schedule: an initial fast buffer (75 iterations, step size only),
//! slow windows of 25, 50, 100, ... iterations (metric estimation; the last one stretched to
//! the terminal buffer), and a terminal fast buffer (50). Warm-ups shorter than 150 are
//! rescaled to 15% / 75% / 10% as in Stan; below 20 iterations the metric is not adapted.

use weft_ops::{Error, Result};

/// Window sizes (Stan's `adapt_init_buffer`, `adapt_window`, `adapt_term_buffer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowConfig {
    /// Initial fast buffer (75).
    pub init_buffer: usize,
    /// First slow window (25), doubled each time.
    pub base_window: usize,
    /// Terminal fast buffer (50).
    pub term_buffer: usize,
}

impl Default for WindowConfig {
    fn default() -> Self {
        WindowConfig { init_buffer: 75, base_window: 25, term_buffer: 50 }
    }
}

/// The schedule's state over one warm-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Windows {
    num_warmup: usize,
    init_buffer: usize,
    term_buffer: usize,
    window_size: usize,
    next_window: usize,
    counter: usize,
    enabled: bool,
}

impl Windows {
    /// The schedule for `num_warmup` iterations.
    pub fn new(num_warmup: usize, cfg: WindowConfig) -> Result<Self> {
        if cfg.base_window == 0 {
            return Err(Error::invalid("Windows::new", "base_window must be > 0"));
        }
        let (mut init, mut term, mut base) = (cfg.init_buffer, cfg.term_buffer, cfg.base_window);
        let enabled = num_warmup >= 20;
        if enabled && init + base + term > num_warmup {
            init = (0.15 * num_warmup as f64) as usize;
            term = (0.1 * num_warmup as f64) as usize;
            base = num_warmup - (init + term);
        }
        Ok(Windows {
            num_warmup,
            init_buffer: init,
            term_buffer: term,
            window_size: base,
            next_window: init + base - 1,
            counter: 0,
            enabled,
        })
    }

    /// Whether the current iteration's draw feeds the metric estimate.
    pub fn in_slow_window(&self) -> bool {
        self.enabled
            && self.counter >= self.init_buffer
            && self.counter < self.num_warmup - self.term_buffer
            && self.counter != self.num_warmup
    }

    /// Whether the current iteration ends a slow window (the metric is updated now).
    pub fn ends_window(&self) -> bool {
        self.enabled && self.counter == self.next_window && self.counter != self.num_warmup
    }

    fn compute_next_window(&mut self) {
        let last = self.num_warmup - self.term_buffer - 1;
        if self.next_window == last {
            return;
        }
        self.window_size *= 2;
        self.next_window = self.counter + self.window_size;
        if self.next_window != last {
            let boundary = self.next_window + 2 * self.window_size;
            if boundary >= self.num_warmup - self.term_buffer {
                self.next_window = last;
            }
        }
    }

    /// Advances one iteration; returns `(add_sample, end_window)` for this iteration.
    pub fn step(&mut self) -> (bool, bool) {
        let add = self.in_slow_window();
        let end = self.ends_window();
        if end {
            self.compute_next_window();
        }
        self.counter += 1;
        (add, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stan_schedule_for_1000() {
        let mut w = Windows::new(1000, WindowConfig::default()).unwrap();
        let mut ends = vec![];
        let mut first_add = None;
        let mut n_add = 0;
        for i in 0..1000 {
            let (add, end) = w.step();
            if add {
                n_add += 1;
                first_add.get_or_insert(i);
            }
            if end {
                ends.push(i);
            }
        }
        // Stan: windows end at 99, 149, 249, 449, 949.
        assert_eq!(ends, vec![99, 149, 249, 449, 949]);
        assert_eq!(first_add, Some(75));
        assert_eq!(n_add, 875);
    }

    #[test]
    fn short_warmup_is_rescaled_or_disabled() {
        let mut w = Windows::new(100, WindowConfig::default()).unwrap();
        let ends: Vec<usize> = (0..100).filter(|_| w.step().1).collect::<Vec<_>>();
        assert_eq!(ends.len(), 1);
        let mut w = Windows::new(10, WindowConfig::default()).unwrap();
        assert!((0..10).all(|_| w.step() == (false, false)));
    }
}
