//! Where each event came from (file and line), run-length coded: rows of one file on
//! consecutive lines share a run, so a file without skipped or multi-line records costs one
//! run instead of six bytes per event.

use super::table::FileId;

/// One run: rows from `row` on, of `file`, the first on `line`, one line each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    row: u32,
    file: FileId,
    line: u32,
}

/// The file and line of every row of a table.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    runs: Vec<Run>,
    len: usize,
}

impl Origins {
    /// Appends a row of `file` read from `line`.
    pub fn push(&mut self, file: FileId, line: u32) {
        let row = self.len;
        self.len += 1;
        if let Some(last) = self.runs.last() {
            let next = u32::try_from(row - last.row as usize)
                .ok()
                .and_then(|k| last.line.checked_add(k));
            if last.file == file && next == Some(line) {
                return;
            }
        }
        self.runs.push(Run {
            row: row as u32,
            file,
            line,
        });
    }

    /// The file and line of `row`.
    pub fn get(&self, row: usize) -> (FileId, u32) {
        let i = self.runs.partition_point(|r| r.row as usize <= row);
        let run = self.runs[i.saturating_sub(1)];
        (run.file, run.line + (row - run.row as usize) as u32)
    }

    /// Appends every row of `other`.
    pub fn extend(&mut self, other: &Origins) {
        for (k, run) in other.runs.iter().enumerate() {
            let end = other.runs.get(k + 1).map_or(other.len, |r| r.row as usize);
            // The run's first row may continue this one's last run; the rest follow it.
            self.push(run.file, run.line);
            self.len += end - run.row as usize - 1;
        }
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.runs.capacity() * std::mem::size_of::<Run>()
    }

    /// Releases spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.runs.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_lines_share_a_run_and_read_back() {
        let rows = [
            (0, 2),
            (0, 3),
            (0, 4),
            (0, 7),
            (0, 8),
            (1, 1),
            (1, 2),
            (0, 9),
        ];
        let mut o = Origins::default();
        for (f, l) in rows {
            o.push(f, l);
        }
        assert_eq!(o.runs.len(), 4);
        for (r, &(f, l)) in rows.iter().enumerate() {
            assert_eq!(o.get(r), (f, l), "row {r}");
        }
        // Appending continues the last run when the lines follow on.
        let mut more = Origins::default();
        for (f, l) in [(0, 10), (0, 11), (2, 5)] {
            more.push(f, l);
        }
        o.extend(&more);
        assert_eq!(o.runs.len(), 5);
        let all: Vec<(FileId, u32)> = (0..11).map(|r| o.get(r)).collect();
        assert_eq!(all[7..], [(0, 9), (0, 10), (0, 11), (2, 5)]);
        // Lines past u32 (saturated) each start a run and read back as they were stored.
        let mut big = Origins::default();
        big.push(0, u32::MAX);
        big.push(0, u32::MAX);
        assert_eq!((big.get(0), big.get(1)), ((0, u32::MAX), (0, u32::MAX)));
    }

    /// Random files and lines (skips, repeats, files interleaved), pushed and appended in
    /// random parts, read back exactly as a plain list of them.
    #[test]
    fn any_sequence_reads_back_through_pushes_and_appends() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(14);
        for _ in 0..200 {
            let mut want: Vec<(FileId, u32)> = Vec::new();
            let mut whole = Origins::default();
            let (mut file, mut line) = (0u16, 1u32);
            while want.len() < 300 {
                let mut part = Origins::default();
                for _ in 0..rng.gen_range(0..40) {
                    match rng.gen_range(0..10) {
                        0 => file = rng.gen_range(0..3),
                        1 => line += rng.gen_range(2..5),
                        2 => line = line.saturating_sub(1),
                        _ => line += 1,
                    }
                    part.push(file, line);
                    want.push((file, line));
                }
                whole.extend(&part);
            }
            let got: Vec<(FileId, u32)> = (0..want.len()).map(|r| whole.get(r)).collect();
            assert_eq!(got, want);
        }
    }
}
