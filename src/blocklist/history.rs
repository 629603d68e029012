//! Undo and redo over a list's edits: the IP blocklist's and the domain blocklist's.

/// A list changed only through edits, each of whose application returns the edit that undoes
/// it.
pub trait Undoable {
    /// One change.
    type Edit;

    /// Applies `edit` and returns the edit that undoes it.
    fn apply_edit(&mut self, edit: Self::Edit) -> Self::Edit;

    /// Whether `edit` changes nothing.
    fn is_noop(edit: &Self::Edit) -> bool;
}

/// Undo and redo over a list's edits (the IP blocklist's unless named).
#[derive(Debug, Clone)]
pub struct History<L: Undoable = super::Blocklist> {
    undo: Vec<L::Edit>,
    redo: Vec<L::Edit>,
}

impl<L: Undoable> Default for History<L> {
    fn default() -> Self {
        History {
            undo: Vec::new(),
            redo: Vec::new(),
        }
    }
}

/// How many edits can be undone.
const UNDO_DEPTH: usize = 500;

impl<L: Undoable> History<L> {
    /// Applies `edit` to `list`, remembering how to undo it; the redo stack is cleared.
    /// Returns whether anything changed.
    pub fn apply(&mut self, list: &mut L, edit: L::Edit) -> bool {
        if L::is_noop(&edit) {
            return false;
        }
        self.record(list.apply_edit(edit))
    }

    /// Remembers `inverse`, the undo of an edit already applied (on a copy of the list, by a
    /// worker); the redo stack is cleared. Returns whether the edit changed anything.
    pub fn record(&mut self, inverse: L::Edit) -> bool {
        if L::is_noop(&inverse) {
            return false;
        }
        self.undo.push(inverse);
        if self.undo.len() > UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.redo.clear();
        true
    }

    /// Undoes the last edit; whether there was one.
    pub fn undo(&mut self, list: &mut L) -> bool {
        let Some(edit) = self.undo.pop() else {
            return false;
        };
        self.redo.push(list.apply_edit(edit));
        true
    }

    /// Redoes the last undone edit; whether there was one.
    pub fn redo(&mut self, list: &mut L) -> bool {
        let Some(edit) = self.redo.pop() else {
            return false;
        };
        self.undo.push(list.apply_edit(edit));
        true
    }

    /// Whether there is an edit to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether there is an edit to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
}
