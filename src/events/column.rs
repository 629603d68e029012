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

#[cfg(test)]
mod tests {
    use super::*;

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
