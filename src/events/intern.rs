//! Interning of repeated values (strings, IP addresses) into dense `u32` ids.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;

use rustc_hash::FxHashMap;

/// A dense id for an interned string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol(pub u32);

/// Interns strings: each distinct string is stored once and named by a [`Symbol`].
#[derive(Debug, Default, Clone)]
pub struct SymbolTable {
    ids: FxHashMap<Arc<str>, u32>,
    strings: Vec<Arc<str>>,
}

impl SymbolTable {
    /// The symbol for `s`, adding it on first sight.
    pub fn intern(&mut self, s: &str) -> Symbol {
        if let Some(&id) = self.ids.get(s) {
            return Symbol(id);
        }
        let id = u32::try_from(self.strings.len()).expect("more than 4 billion distinct strings");
        let shared: Arc<str> = Arc::from(s);
        self.strings.push(shared.clone());
        self.ids.insert(shared, id);
        Symbol(id)
    }

    /// The symbol for `s` if it was interned before.
    pub fn lookup(&self, s: &str) -> Option<Symbol> {
        self.ids.get(s).map(|&id| Symbol(id))
    }

    /// The string named by `sym`.
    pub fn resolve(&self, sym: Symbol) -> &str {
        &self.strings[sym.0 as usize]
    }

    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// The strings in id order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.strings.iter().map(|s| &**s)
    }

    /// Whether no string was interned.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// Approximate bytes held.
    pub fn heap_bytes(&self) -> usize {
        let text: usize = self.strings.iter().map(|s| s.len() + 16).sum();
        text + self.ids.capacity() * 24 + self.strings.capacity() * 16
    }
}

/// Interns IP addresses so that each event stores a 4-byte id.
#[derive(Debug, Default, Clone)]
pub struct IpInterner {
    ids: FxHashMap<IpAddr, u32>,
    addrs: Vec<IpAddr>,
}

impl IpInterner {
    /// The id of `ip`, adding it on first sight.
    pub fn intern(&mut self, ip: IpAddr) -> u32 {
        let next = u32::try_from(self.addrs.len()).expect("more than 4 billion distinct IPs");
        *self.ids.entry(ip).or_insert_with(|| {
            self.addrs.push(ip);
            next
        })
    }

    /// The id of `ip`, when it was interned.
    pub fn id_of(&self, ip: IpAddr) -> Option<u32> {
        self.ids.get(&ip).copied()
    }

    /// The address with id `id`.
    pub fn resolve(&self, id: u32) -> IpAddr {
        self.addrs[id as usize]
    }

    /// Number of distinct addresses.
    pub fn len(&self) -> usize {
        self.addrs.len()
    }

    /// The addresses in id order.
    pub fn iter(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.addrs.iter().copied()
    }

    /// Whether no address was interned.
    pub fn is_empty(&self) -> bool {
        self.addrs.is_empty()
    }

    /// Approximate bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.ids.capacity() * 24 + self.addrs.capacity() * std::mem::size_of::<IpAddr>()
    }
}

/// A text of the program's own, for the whole run (serde would borrow a `&'static str`
/// field from its input).
pub type StaticText = &'static str;

/// Reads a text the program only ever writes from its own constants (a technique, a service
/// name) back as one: each distinct text is kept once for the life of the process.
pub fn static_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    static KEPT: std::sync::Mutex<BTreeSet<&'static str>> = std::sync::Mutex::new(BTreeSet::new());
    let s = <String as serde::Deserialize>::deserialize(d)?;
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&k) = kept.get(s.as_str()) {
        return Ok(k);
    }
    let k: &'static str = Box::leak(s.into_boxed_str());
    kept.insert(k);
    Ok(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_intern_once() {
        let mut t = SymbolTable::default();
        let a = t.intern("tcp");
        let b = t.intern("udp");
        assert_ne!(a, b);
        assert_eq!(t.intern("tcp"), a);
        assert_eq!(t.resolve(b), "udp");
        assert_eq!(t.len(), 2);
        assert_eq!(t.lookup("icmp"), None);
    }

    #[test]
    fn ips_intern_once() {
        let mut t = IpInterner::default();
        let a = t.intern("10.0.0.1".parse().unwrap());
        let b = t.intern("::1".parse().unwrap());
        assert_eq!(t.intern("10.0.0.1".parse().unwrap()), a);
        assert_eq!(t.resolve(b), "::1".parse::<IpAddr>().unwrap());
        assert_eq!(t.len(), 2);
    }
}
