//! Draws exported as CSV in Stan's column order: `chain, draw, lp__, accept_stat__,
//! stepsize__, treedepth__, n_leapfrog__, divergent__, energy__`, then one column per
//! parameter.

use crate::posterior::Posterior;
use std::io::Write;
use weft_ops::{Error, Result};

impl Posterior {
    /// Writes every kept draw of every chain to `out`.
    pub fn write_csv_to<W: Write>(&self, out: &mut W) -> Result<()> {
        let io = |e: std::io::Error| Error::io("<csv writer>", e);
        let mut header = String::from(
            "chain,draw,lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__",
        );
        for n in self.names() {
            header.push(',');
            if n.contains(',') || n.contains('"') {
                header.push('"');
                header.push_str(&n.replace('"', "\"\""));
                header.push('"');
            } else {
                header.push_str(n);
            }
        }
        writeln!(out, "{header}").map_err(io)?;
        let mut line = String::new();
        for (c, chain) in self.chains().iter().enumerate() {
            for (i, s) in chain.stats.iter().enumerate() {
                use std::fmt::Write as _;
                line.clear();
                let _ = write!(
                    line,
                    "{c},{i},{},{},{},{},{},{},{}",
                    s.lp, s.accept_stat, s.step_size, s.tree_depth, s.n_leapfrog, s.divergent as u8, s.energy
                );
                for x in chain.draw(i) {
                    let _ = write!(line, ",{x}");
                }
                writeln!(out, "{line}").map_err(io)?;
            }
        }
        Ok(())
    }

    /// Writes the draws to the file `path`.
    pub fn write_csv(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let path = path.as_ref();
        let file = std::fs::File::create(path).map_err(|e| Error::io(path.display(), e))?;
        let mut w = std::io::BufWriter::new(file);
        self.write_csv_to(&mut w)?;
        w.flush().map_err(|e| Error::io(path.display(), e))
    }
}
