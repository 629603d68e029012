//! Lazily materialised nullable columns with in-band null sentinels.

/// A value type with a reserved "absent" sentinel, so a column needs no separate null mask.
pub trait Nullable: Copy + PartialEq {
    /// The sentinel that marks a missing value.
    const NULL: Self;
    /// Whether this value is the sentinel.
    fn is_null(&self) -> bool {
        *self == Self::NULL
    }
}

impl Nullable for i64 {
    const NULL: Self = i64::MIN;
}
impl Nullable for u32 {
    const NULL: Self = u32::MAX;
}
impl Nullable for u8 {
    const NULL: Self = u8::MAX;
}
impl Nullable for u16 {
    const NULL: Self = u16::MAX;
}
impl Nullable for f64 {
    const NULL: Self = f64::NAN;
    fn is_null(&self) -> bool {
        self.is_nan()
    }
}
impl Nullable for f32 {
    const NULL: Self = f32::NAN;
    fn is_null(&self) -> bool {
        self.is_nan()
    }
}

/// A column that allocates nothing until its first non-null value arrives.
///
/// Rows past the stored length read as null, so a column that a file never
/// fills costs no memory at all.
#[derive(Debug, Clone, Default)]
pub struct Column<T> {
    values: Vec<T>,
}

impl<T: Nullable> Column<T> {
    /// Sets row `row` to `value`, padding earlier rows with nulls. Null values are not stored.
    pub fn set(&mut self, row: usize, value: T) {
        if value.is_null() {
            return;
        }
        if self.values.len() <= row {
            self.values.resize(row, T::NULL);
            self.values.push(value);
        } else {
            self.values[row] = value;
        }
    }

    /// The value at `row`, or `None` when absent.
    pub fn get(&self, row: usize) -> Option<T> {
        self.values.get(row).copied().filter(|v| !v.is_null())
    }

    /// Whether any row holds a value.
    pub fn is_materialised(&self) -> bool {
        !self.values.is_empty()
    }

    /// Number of non-null values in `rows`.
    pub fn count_in(&self, rows: std::ops::Range<usize>) -> usize {
        let end = rows.end.min(self.values.len());
        let start = rows.start.min(end);
        self.values[start..end]
            .iter()
            .filter(|v| !v.is_null())
            .count()
    }

    /// Appends `other`'s rows after row `at - 1` (this column's table length), mapping each
    /// present value through `f`.
    pub fn extend_from(&mut self, at: usize, other: &Column<T>, f: impl Fn(T) -> T) {
        if other.values.is_empty() {
            return;
        }
        self.values.resize(at, T::NULL);
        self.values.extend(
            other
                .values
                .iter()
                .map(|v| if v.is_null() { *v } else { f(*v) }),
        );
    }

    /// Bytes held by this column.
    pub fn heap_bytes(&self) -> usize {
        self.values.capacity() * std::mem::size_of::<T>()
    }

    /// Releases spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.values.shrink_to_fit();
    }
}

/// Most distinct ids a [`SymbolColumn`] codes in two bytes (`u16::MAX` marks absence).
const NARROW_IDS: usize = u16::MAX as usize;

/// A column of interned-string ids (protocols, outcomes, countries, details), coded per
/// column: while it holds at most 65,535 distinct ids, two bytes per row index a table of
/// them (a protocol or status column holds a handful); past that, the ids themselves.
#[derive(Debug, Clone, Default)]
pub struct SymbolColumn {
    narrow: Column<u16>,
    ids: Vec<u32>,
    code_of: rustc_hash::FxHashMap<u32, u16>,
    /// The last id coded and its code: rows often repeat the one before.
    last: Option<(u32, u16)>,
    /// Every id, once the column outgrew the narrow codes.
    wide: Option<Column<u32>>,
}

impl SymbolColumn {
    /// Sets row `row` to the id `id`; `u32::MAX` (absent) is not stored.
    pub fn set(&mut self, row: usize, id: u32) {
        if id.is_null() {
            return;
        }
        if let Some(wide) = &mut self.wide {
            wide.set(row, id);
            return;
        }
        let code = match self.last {
            Some((last, code)) if last == id => code,
            _ => match self.code_of.get(&id) {
                Some(&code) => code,
                None if self.ids.len() == NARROW_IDS => {
                    self.widen();
                    return self.set(row, id);
                }
                None => {
                    let code = self.ids.len() as u16;
                    self.ids.push(id);
                    self.code_of.insert(id, code);
                    code
                }
            },
        };
        self.last = Some((id, code));
        self.narrow.set(row, code);
    }

    /// Moves to one id per row.
    fn widen(&mut self) {
        let mut wide = Column::default();
        for (row, &code) in self.narrow.values.iter().enumerate() {
            if !code.is_null() {
                wide.set(row, self.ids[usize::from(code)]);
            }
        }
        self.wide = Some(wide);
        self.narrow = Column::default();
        self.ids = Vec::new();
        self.code_of = Default::default();
        self.last = None;
    }

    /// The id at `row`, or `None` when absent.
    pub fn get(&self, row: usize) -> Option<u32> {
        match &self.wide {
            Some(wide) => wide.get(row),
            None => self.narrow.get(row).map(|c| self.ids[usize::from(c)]),
        }
    }

    /// Rows stored (the last present row and those before it).
    fn stored(&self) -> usize {
        self.wide
            .as_ref()
            .map_or(self.narrow.values.len(), |w| w.values.len())
    }

    /// Appends `other`'s rows after row `at - 1`, mapping each id through `f`.
    pub fn extend_from(&mut self, at: usize, other: &SymbolColumn, f: impl Fn(u32) -> u32) {
        for r in 0..other.stored() {
            if let Some(id) = other.get(r) {
                self.set(at + r, f(id));
            }
        }
    }

    /// Bytes held by this column.
    pub fn heap_bytes(&self) -> usize {
        self.narrow.heap_bytes()
            + self.ids.capacity() * 4
            + self.code_of.capacity() * 8
            + self.wide.as_ref().map_or(0, Column::heap_bytes)
    }

    /// Releases spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.narrow.shrink_to_fit();
        self.ids.shrink_to_fit();
        if let Some(w) = &mut self.wide {
            w.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_columns_code_narrow_then_widen_and_read_back() {
        let mut c = SymbolColumn::default();
        c.set(1, 7);
        c.set(2, 7);
        c.set(4, 1_000_000);
        c.set(5, u32::MAX);
        assert_eq!(
            (0..6).map(|r| c.get(r)).collect::<Vec<_>>(),
            [None, Some(7), Some(7), None, Some(1_000_000), None]
        );
        assert!(c.heap_bytes() > 0);
        // Past 65,535 distinct ids the column keeps the ids themselves, every row intact.
        let mut wide = SymbolColumn::default();
        for r in 0..70_000u32 {
            wide.set(r as usize, r * 3);
        }
        assert!(wide.wide.is_some());
        assert!((0..70_000u32).all(|r| wide.get(r as usize) == Some(r * 3)));
        // Appending maps ids and keeps the rows' places.
        let mut t = SymbolColumn::default();
        t.set(0, 5);
        t.extend_from(3, &c, |id| id + 1);
        assert_eq!(
            (0..8).map(|r| t.get(r)).collect::<Vec<_>>(),
            [
                Some(5),
                None,
                None,
                None,
                Some(8),
                Some(8),
                None,
                Some(1_000_001)
            ]
        );
    }

    #[test]
    fn unset_column_reads_null_and_holds_nothing() {
        let mut c: Column<u32> = Column::default();
        c.set(3, u32::NULL);
        assert_eq!(c.get(3), None);
        assert!(!c.is_materialised());
        assert_eq!(c.heap_bytes(), 0);
    }

    #[test]
    fn set_pads_with_nulls() {
        let mut c: Column<f64> = Column::default();
        c.set(2, 1.5);
        assert_eq!(c.get(0), None);
        assert_eq!(c.get(2), Some(1.5));
        assert_eq!(c.get(9), None);
        c.set(0, 4.0);
        assert_eq!(c.get(0), Some(4.0));
        assert_eq!(c.count_in(0..10), 2);
        assert_eq!(c.count_in(1..2), 0);
    }

    #[test]
    fn extend_maps_values_and_keeps_nulls() {
        let mut a: Column<u32> = Column::default();
        a.set(1, 5);
        let mut b: Column<u32> = Column::default();
        b.set(1, 7);
        a.extend_from(3, &b, |v| v * 10);
        assert_eq!(
            (0..6).map(|r| a.get(r)).collect::<Vec<_>>(),
            vec![None, Some(5), None, None, Some(70), None]
        );
        a.extend_from(6, &Column::default(), |v| v);
        assert_eq!(a.get(6), None);
    }
}
