//! The in-memory index: people in slots, and the tables that find them.
//!
//! Every table maps a key to the slots (`u32`) of the people filed under it.
//! Tables:
//! - identifiers (packed, see `idcode`): one slot, with a side table for the
//!   rare identifier two people share (a data error, answered "ambiguous");
//! - date of birth: for each day, one contiguous array of compact entries
//!   (slot, interned names, postcode), so a demographic request scans the
//!   people born on its date (and on the date with day and month
//!   exchanged) sequentially, touching no other memory unless one of them
//!   resembles the request;
//! - (given name, family name, birth year): people who could be confused
//!   with the subject because of a slip in the day or month;
//! - full postcode: the household, where twins and siblings live;
//! - how many people hold each given name, each family name and each
//!   postcode district (with the sum of squared counts), for the
//!   frequency weights of [`crate::FrequencyWeights`]. They are counts, so
//!   an index kept current by insert, update and remove holds exactly the
//!   numbers of one built afresh.
//!
//! A placeholder postcode (area `ZZ`, as in `ZZ99 3VZ` "no fixed abode")
//! is no postcode to the index: it is never filed, counted or compared.
//!
//! Names are interned: each distinct name is normalised once and held once,
//! however many people share it. Interned names are never freed (the set
//! of distinct names grows slowly and is bounded by what was ever loaded).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::hash::Hash;

use gateway_domain::{CcisId, IdKind, Postcode, SubjectRef};
use time::Date;

use crate::config::{ConfigError, MatchConfig};
use crate::demographic::Patterns;
use crate::idcode;
use crate::name::NormName;
use crate::types::{
    IndexEntry, IndexError, MatchMethod, MatchOutcome, MatchRequest, NoMatchReason,
};

/// Slot numbers are below this, so they fit in a `u32`.
const MAX_SLOTS: usize = u32::MAX as usize;
const MAX_NAMES: usize = u32::MAX as usize;

/// The slots filed under one key. Most keys hold one person, so that case
/// needs no allocation of its own.
#[derive(Clone)]
pub(crate) enum Postings {
    One(u32),
    Many(Vec<u32>),
}

impl Postings {
    pub(crate) fn as_slice(&self) -> &[u32] {
        match self {
            Postings::One(s) => std::slice::from_ref(s),
            Postings::Many(v) => v,
        }
    }

    fn push(&mut self, slot: u32) {
        match self {
            Postings::One(s) => *self = Postings::Many(vec![*s, slot]),
            Postings::Many(v) => v.push(slot),
        }
    }

    /// Remove `slot`; true if nothing is left.
    fn remove(&mut self, slot: u32) -> bool {
        match self {
            Postings::One(s) => *s == slot,
            Postings::Many(v) => {
                if let Some(i) = v.iter().position(|&s| s == slot) {
                    v.swap_remove(i);
                }
                match v.as_slice() {
                    [] => true,
                    [only] => {
                        *self = Postings::One(*only);
                        false
                    }
                    _ => false,
                }
            }
        }
    }
}

fn post<Q: Hash + Eq>(map: &mut HashMap<Q, Postings>, key: Q, slot: u32) {
    match map.entry(key) {
        Entry::Occupied(mut e) => e.get_mut().push(slot),
        Entry::Vacant(e) => {
            e.insert(Postings::One(slot));
        }
    }
}

fn unpost<Q: Hash + Eq>(map: &mut HashMap<Q, Postings>, key: &Q, slot: u32) {
    if let Some(p) = map.get_mut(key)
        && p.remove(slot)
    {
        map.remove(key);
    }
}

/// A postcode in eight bytes: its characters (no space) and their count.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Pc {
    bytes: [u8; 7],
    len: u8,
}

impl Pc {
    /// The compact form of `p`, or `None` for a placeholder postcode
    /// (area `ZZ`), which is never evidence about where anyone lives.
    pub(crate) fn new(p: &Postcode) -> Option<Pc> {
        Pc::from_bytes(p.as_str().as_bytes())
    }

    /// From a postcode's characters without spaces (already validated).
    fn from_bytes(s: &[u8]) -> Option<Pc> {
        if s.starts_with(b"ZZ") {
            return None;
        }
        let mut bytes = [0u8; 7];
        bytes.get_mut(..s.len())?.copy_from_slice(s);
        Some(Pc {
            bytes,
            len: u8::try_from(s.len()).ok()?,
        })
    }

    /// The outward code (all but the last three characters).
    pub(crate) fn outward(&self) -> &[u8] {
        let n = usize::from(self.len).saturating_sub(3);
        self.bytes.get(..n).unwrap_or_default()
    }

    /// The area: the outward code's leading letters (`ME` of `ME14`).
    pub(crate) fn area(&self) -> &[u8] {
        let outward = self.outward();
        let n = outward
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        outward.get(..n).unwrap_or_default()
    }

    /// The district as a table key: the outward code, zero-padded.
    pub(crate) fn district(&self) -> [u8; 4] {
        let mut key = [0u8; 4];
        for (k, c) in key.iter_mut().zip(self.outward()) {
            *k = *c;
        }
        key
    }

    /// The sector digit (first character of the inward code).
    pub(crate) fn sector_digit(&self) -> Option<u8> {
        self.bytes
            .get(usize::from(self.len).saturating_sub(3))
            .copied()
    }
}

/// How many people hold each value of one field, and the sum of the
/// squared counts (so that `sum_squares / people` is how many people hold
/// the value of a person chosen at random).
pub(crate) struct Frequencies<Q> {
    counts: HashMap<Q, u32>,
    sum_squares: u64,
    people: u64,
}

impl<Q: Hash + Eq> Default for Frequencies<Q> {
    fn default() -> Self {
        Frequencies {
            counts: HashMap::new(),
            sum_squares: 0,
            people: 0,
        }
    }
}

impl<Q: Hash + Eq> Frequencies<Q> {
    fn add(&mut self, key: Q) {
        let c = self.counts.entry(key).or_insert(0);
        // (c + 1)^2 - c^2 = 2c + 1
        self.sum_squares += 2 * u64::from(*c) + 1;
        *c += 1;
        self.people += 1;
    }

    fn remove(&mut self, key: &Q) {
        if let Some(c) = self.counts.get_mut(key) {
            // c^2 - (c - 1)^2 = 2c - 1
            self.sum_squares = self.sum_squares.saturating_sub(2 * u64::from(*c) - 1);
            self.people = self.people.saturating_sub(1);
            *c -= 1;
            if *c == 0 {
                self.counts.remove(key);
            }
        }
    }

    /// How many people hold `key`.
    pub(crate) fn count(&self, key: &Q) -> u32 {
        self.counts.get(key).copied().unwrap_or(0)
    }

    /// The weight of agreeing on `key`: `log2(typical / count)`, rounded
    /// and clamped to `-max_malus..=max_bonus`; 0 for a value nobody holds.
    pub(crate) fn weight(&self, key: &Q, max_bonus: i32, max_malus: i32) -> i32 {
        let Some(&count) = self.counts.get(key) else {
            return 0;
        };
        if count == 0 || self.people == 0 {
            return 0;
        }
        let typical = self.sum_squares as f64 / self.people as f64;
        let w = (typical / f64::from(count)).log2().round();
        // Clamped first, so the conversion cannot overflow.
        w.clamp(-f64::from(max_malus), f64::from(max_bonus)) as i32
    }

    fn heap_bytes(&self) -> usize {
        (self.counts.capacity() * 8 / 7) * (std::mem::size_of::<(Q, u32)>() + 1)
    }
}

/// One distinct name, normalised, with the key of its run-together form.
pub(crate) struct NameInfo {
    pub(crate) name: NormName,
    /// Equal for two names exactly when their run-together forms are equal.
    pub(crate) joined: u32,
}

#[derive(Default)]
pub(crate) struct NameTable {
    by_spaced: HashMap<Box<str>, u32>,
    by_joined: HashMap<Box<str>, u32>,
    infos: Vec<NameInfo>,
}

impl NameTable {
    fn intern(&mut self, name: NormName) -> Option<NameRef> {
        let spaced = name.spaced();
        if let Some(&id) = self.by_spaced.get(spaced.as_str()) {
            let joined = self.get(id)?.joined;
            return Some(NameRef { id, joined });
        }
        // u32::MAX is NameRef::NONE.
        let id = u32::try_from(self.infos.len())
            .ok()
            .filter(|&id| id < u32::MAX)?;
        let joined_str = name.joined();
        let next_joined = u32::try_from(self.by_joined.len()).ok()?;
        let joined = *self
            .by_joined
            .entry(joined_str.into_boxed_str())
            .or_insert(next_joined);
        self.infos.push(NameInfo { name, joined });
        self.by_spaced.insert(spaced.into_boxed_str(), id);
        Some(NameRef { id, joined })
    }

    /// The joined key of `name` if any indexed name has that joined form.
    pub(crate) fn joined_key(&self, name: &NormName) -> Option<u32> {
        self.by_joined.get(name.joined().as_str()).copied()
    }

    pub(crate) fn get(&self, id: u32) -> Option<&NameInfo> {
        self.infos.get(usize::try_from(id).ok()?)
    }
}

/// An interned name as a record holds it: the name's id and the key of its
/// run-together form (two names are equal exactly when the keys are).
/// [`NameRef::NONE`] stands for a name with no letters or one too long,
/// which agrees with nothing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct NameRef {
    pub(crate) id: u32,
    pub(crate) joined: u32,
}

impl NameRef {
    pub(crate) const NONE: NameRef = NameRef {
        id: u32::MAX,
        joined: u32::MAX,
    };

    pub(crate) fn is_none(self) -> bool {
        self.id == u32::MAX
    }
}

/// What the index keeps about one person.
pub(crate) struct Record<K> {
    pub(crate) key: K,
    /// Packed identifiers; 0 where absent.
    ids: [u64; 4],
    pub(crate) given: NameRef,
    pub(crate) family: NameRef,
    pub(crate) dob: Date,
    pub(crate) postcode: Option<Pc>,
}

/// A person's entry in the array of everyone born on one day: what
/// scoring needs, without the record.
#[derive(Clone, Copy)]
pub(crate) struct Hot {
    pub(crate) slot: u32,
    pub(crate) given: NameRef,
    pub(crate) family: NameRef,
    pub(crate) postcode: Option<Pc>,
}

/// Finds the one young person a request names, or says there is none.
///
/// Build it once from the store, keep it current with [`insert`],
/// [`update`] and [`remove`], and ask it with [`find`]. Lookups take `&self`
/// and never allocate more than a few small buffers; the index is `Send` and
/// `Sync` when `K` is, so a store can share it behind a lock or swap it
/// whole.
///
/// [`insert`]: SubjectIndex::insert
/// [`update`]: SubjectIndex::update
/// [`remove`]: SubjectIndex::remove
/// [`find`]: SubjectIndex::find
pub struct SubjectIndex<K = CcisId> {
    pub(crate) config: MatchConfig,
    /// Agreement patterns ranked by score under `config`.
    pub(crate) patterns: Patterns,
    pub(crate) slots: Vec<Option<Record<K>>>,
    free: Vec<u32>,
    by_key: HashMap<K, u32>,
    pub(crate) names: NameTable,
    ids: HashMap<u64, u32>,
    /// Further holders of an identifier already in `ids` (data errors).
    ids_extra: HashMap<u64, Vec<u32>>,
    /// Everyone born on a day, keyed by Julian day number.
    pub(crate) by_dob: HashMap<i32, Vec<Hot>>,
    /// (joined given key, joined family key, birth year).
    pub(crate) by_names_year: HashMap<(u32, u32, i32), Postings>,
    pub(crate) by_postcode: HashMap<Pc, Postings>,
    /// Given names by joined key.
    pub(crate) given_freq: Frequencies<u32>,
    /// Family names by joined key.
    pub(crate) family_freq: Frequencies<u32>,
    /// Postcode districts.
    pub(crate) district_freq: Frequencies<[u8; 4]>,
}

impl<K: fmt::Debug> fmt::Debug for SubjectIndex<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubjectIndex")
            .field("people", &self.by_key.len())
            .field("distinct_names", &self.names.infos.len())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<K: Clone + Eq + Hash> Default for SubjectIndex<K> {
    fn default() -> Self {
        SubjectIndex::new()
    }
}

impl<K: Clone + Eq + Hash> SubjectIndex<K> {
    /// An empty index with the default configuration.
    pub fn new() -> Self {
        SubjectIndex::build(MatchConfig::default())
    }

    /// An empty index with `config`, which must be valid.
    pub fn with_config(config: MatchConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(SubjectIndex::build(config))
    }

    fn build(config: MatchConfig) -> Self {
        SubjectIndex {
            patterns: Patterns::new(&config.weights),
            config,
            slots: Vec::new(),
            free: Vec::new(),
            by_key: HashMap::new(),
            names: NameTable::default(),
            ids: HashMap::new(),
            ids_extra: HashMap::new(),
            by_dob: HashMap::new(),
            by_names_year: HashMap::new(),
            by_postcode: HashMap::new(),
            given_freq: Frequencies::default(),
            family_freq: Frequencies::default(),
            district_freq: Frequencies::default(),
        }
    }

    /// Make room for `additional` more people (an optimisation only).
    pub fn reserve(&mut self, additional: usize) {
        self.slots.reserve(additional);
        self.by_key.reserve(additional);
        self.ids.reserve(additional.saturating_mul(3));
        self.by_postcode.reserve(additional / 4);
    }

    pub fn config(&self) -> &MatchConfig {
        &self.config
    }

    /// How many people the index holds.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    pub fn contains_key(&self, key: &K) -> bool {
        self.by_key.contains_key(key)
    }

    /// Approximate heap bytes held by the index: its tables, postings and
    /// interned names. Heap memory owned by the keys themselves (the
    /// string inside a [`CcisId`] key, about 32 bytes per person once in
    /// the slot and once in the key table) is not counted.
    pub fn heap_size_estimate(&self) -> usize {
        fn table<Q, V>(m: &HashMap<Q, V>) -> usize {
            // hashbrown keeps at most 7/8 of its buckets full, plus one
            // control byte per bucket.
            (m.capacity() * 8 / 7) * (std::mem::size_of::<(Q, V)>() + 1)
        }
        fn postings<Q>(m: &HashMap<Q, Postings>) -> usize {
            table(m)
                + m.values()
                    .map(|p| match p {
                        Postings::One(_) => 0,
                        Postings::Many(v) => v.capacity() * 4,
                    })
                    .sum::<usize>()
        }
        let names = self.names.infos.capacity() * std::mem::size_of::<NameInfo>()
            + self
                .names
                .infos
                .iter()
                .map(|i| i.name.heap_bytes())
                .sum::<usize>()
            + table(&self.names.by_spaced)
            + table(&self.names.by_joined)
            + self.names.by_spaced.keys().map(|k| k.len()).sum::<usize>()
            + self.names.by_joined.keys().map(|k| k.len()).sum::<usize>();
        self.slots.capacity() * std::mem::size_of::<Option<Record<K>>>()
            + self.free.capacity() * 4
            + table(&self.by_key)
            + table(&self.ids)
            + table(&self.ids_extra)
            + self
                .ids_extra
                .values()
                .map(|v| v.capacity() * 4)
                .sum::<usize>()
            + table(&self.by_dob)
            + self
                .by_dob
                .values()
                .map(|v| v.capacity() * std::mem::size_of::<Hot>())
                .sum::<usize>()
            + postings(&self.by_names_year)
            + postings(&self.by_postcode)
            + self.given_freq.heap_bytes()
            + self.family_freq.heap_bytes()
            + self.district_freq.heap_bytes()
            + names
    }

    /// Add a person, or replace the entry with the same key. `Ok(true)` if
    /// an entry was replaced. On error the index is unchanged.
    pub fn insert(&mut self, entry: IndexEntry<K>) -> Result<bool, IndexError> {
        let exists = self.by_key.contains_key(&entry.key);
        if !exists && self.free.is_empty() && self.slots.len() >= MAX_SLOTS {
            return Err(IndexError::Capacity);
        }
        if self.names.infos.len() >= MAX_NAMES - 2 {
            return Err(IndexError::Capacity);
        }
        let replaced = self.remove(&entry.key);
        let record = self.make_record(entry);
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                let s = u32::try_from(self.slots.len()).map_err(|_| IndexError::Capacity)?;
                self.slots.push(None);
                s
            }
        };
        self.file(slot, &record);
        self.by_key.insert(record.key.clone(), slot);
        if let Some(place) = self.slots.get_mut(slot as usize) {
            *place = Some(record);
        }
        Ok(replaced)
    }

    /// Replace the entry with the same key; [`IndexError::UnknownKey`] (and
    /// no change) if there is none.
    pub fn update(&mut self, entry: IndexEntry<K>) -> Result<(), IndexError> {
        if !self.by_key.contains_key(&entry.key) {
            return Err(IndexError::UnknownKey);
        }
        self.insert(entry).map(|_| ())
    }

    /// Remove a person; false if the key was not there.
    pub fn remove(&mut self, key: &K) -> bool {
        let Some(slot) = self.by_key.remove(key) else {
            return false;
        };
        let record = self.slots.get_mut(slot as usize).and_then(Option::take);
        if let Some(record) = record {
            self.unfile(slot, &record);
        }
        self.free.push(slot);
        true
    }

    /// Answer a request: identifier or demographics.
    pub fn find(&self, request: &MatchRequest) -> MatchOutcome<K> {
        match request {
            MatchRequest::Identifier(r) => self.find_identifier(r),
            MatchRequest::Demographics {
                given_name,
                family_name,
                date_of_birth,
                postcode,
            } => self.find_demographics(given_name, family_name, *date_of_birth, postcode.as_ref()),
        }
    }

    /// Exact identifier match. Nobody holding it is `NoCandidate`; more
    /// than one holder is `Ambiguous`, never a pick.
    pub fn find_identifier(&self, r: &SubjectRef) -> MatchOutcome<K> {
        let Some(code) = idcode::pack(r) else {
            return MatchOutcome::none(NoMatchReason::NoCandidate);
        };
        let Some(&slot) = self.ids.get(&code) else {
            return MatchOutcome::none(NoMatchReason::NoCandidate);
        };
        if self.ids_extra.contains_key(&code) {
            return MatchOutcome::none(NoMatchReason::Ambiguous);
        }
        match self.record(slot) {
            Some(rec) => MatchOutcome::Unique {
                key: rec.key.clone(),
                method: MatchMethod::Identifier(r.kind()),
            },
            None => MatchOutcome::none(NoMatchReason::NoCandidate),
        }
    }

    pub(crate) fn record(&self, slot: u32) -> Option<&Record<K>> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    fn make_record(&mut self, e: IndexEntry<K>) -> Record<K> {
        let code =
            |kind: IdKind, s: Option<&str>| s.and_then(|s| idcode::pack_str(kind, s)).unwrap_or(0);
        let ids = [
            code(IdKind::Upn, e.upn.as_ref().map(|v| v.as_str())),
            code(IdKind::Uln, e.uln.as_ref().map(|v| v.as_str())),
            code(IdKind::CcisId, e.ccis_id.as_ref().map(|v| v.as_str())),
            code(IdKind::Nino, e.nino.as_ref().map(|v| v.as_str())),
        ];
        let given = NormName::parse(&e.given_name)
            .ok()
            .and_then(|n| self.names.intern(n))
            .unwrap_or(NameRef::NONE);
        let family = NormName::parse(&e.family_name)
            .ok()
            .and_then(|n| self.names.intern(n))
            .unwrap_or(NameRef::NONE);
        Record {
            key: e.key,
            ids,
            given,
            family,
            dob: e.date_of_birth,
            postcode: e.postcode.as_ref().and_then(Pc::new),
        }
    }

    fn file(&mut self, slot: u32, r: &Record<K>) {
        for &code in r.ids.iter().filter(|&&c| c != 0) {
            match self.ids.entry(code) {
                Entry::Vacant(e) => {
                    e.insert(slot);
                }
                Entry::Occupied(_) => self.ids_extra.entry(code).or_default().push(slot),
            }
        }
        self.by_dob
            .entry(r.dob.to_julian_day())
            .or_default()
            .push(Hot {
                slot,
                given: r.given,
                family: r.family,
                postcode: r.postcode,
            });
        if let Some(key) = names_year(r) {
            post(&mut self.by_names_year, key, slot);
        }
        if let Some(pc) = r.postcode {
            post(&mut self.by_postcode, pc, slot);
            self.district_freq.add(pc.district());
        }
        if !r.given.is_none() {
            self.given_freq.add(r.given.joined);
        }
        if !r.family.is_none() {
            self.family_freq.add(r.family.joined);
        }
    }

    fn unfile(&mut self, slot: u32, r: &Record<K>) {
        for &code in r.ids.iter().filter(|&&c| c != 0) {
            self.unfile_id(code, slot);
        }
        let day = r.dob.to_julian_day();
        if let Some(v) = self.by_dob.get_mut(&day) {
            if let Some(i) = v.iter().position(|h| h.slot == slot) {
                v.swap_remove(i);
            }
            if v.is_empty() {
                self.by_dob.remove(&day);
            }
        }
        if let Some(key) = names_year(r) {
            unpost(&mut self.by_names_year, &key, slot);
        }
        if let Some(pc) = r.postcode {
            unpost(&mut self.by_postcode, &pc, slot);
            self.district_freq.remove(&pc.district());
        }
        if !r.given.is_none() {
            self.given_freq.remove(&r.given.joined);
        }
        if !r.family.is_none() {
            self.family_freq.remove(&r.family.joined);
        }
    }

    fn unfile_id(&mut self, code: u64, slot: u32) {
        let extra = self.ids_extra.get_mut(&code);
        if self.ids.get(&code) == Some(&slot) {
            // Promote another holder, if any, to the main table.
            match extra.and_then(|v| v.pop().map(|next| (next, v.is_empty()))) {
                Some((next, now_empty)) => {
                    self.ids.insert(code, next);
                    if now_empty {
                        self.ids_extra.remove(&code);
                    }
                }
                None => {
                    self.ids.remove(&code);
                }
            }
        } else if let Some(v) = extra {
            v.retain(|&s| s != slot);
            if v.is_empty() {
                self.ids_extra.remove(&code);
            }
        }
    }
}

/// The (given, family, birth year) key of a record with both names.
fn names_year<K>(r: &Record<K>) -> Option<(u32, u32, i32)> {
    (!r.given.is_none() && !r.family.is_none())
        .then(|| (r.given.joined, r.family.joined, r.dob.year()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_grow_and_shrink() {
        let mut p = Postings::One(1);
        p.push(2);
        p.push(3);
        assert_eq!(p.as_slice(), &[1, 2, 3]);
        assert!(!p.remove(1));
        assert!(!p.remove(3));
        assert!(matches!(p, Postings::One(2)));
        assert!(!p.remove(9));
        assert!(p.remove(2));
    }

    #[test]
    fn postcode_parts() {
        let pc = Pc::new(&Postcode::parse("SW1A 1AA").unwrap()).unwrap();
        assert_eq!(pc.outward(), b"SW1A");
        assert_eq!(pc.sector_digit(), Some(b'1'));
        assert_eq!(pc.area(), b"SW");
        assert_eq!(pc.district(), *b"SW1A");
        let pc = Pc::new(&Postcode::parse("N1 9GU").unwrap()).unwrap();
        assert_eq!(pc.outward(), b"N1");
        assert_eq!(pc.area(), b"N");
        assert_eq!(pc.district(), [b'N', b'1', 0, 0]);
        assert_eq!(pc.sector_digit(), Some(b'9'));
    }

    #[test]
    fn placeholder_postcodes_are_no_postcode() {
        // ZZ99 3VZ (no fixed abode), ZZ99 3CZ (England, address unknown).
        assert!(Pc::from_bytes(b"ZZ993VZ").is_none());
        assert!(Pc::from_bytes(b"ZZ993CZ").is_none());
        assert!(Pc::from_bytes(b"ME141AB").is_some());
    }

    #[test]
    fn frequencies_count_and_weigh() {
        let mut f: Frequencies<u32> = Frequencies::default();
        // 8 people named 1, 1 named 2, 1 named 3: typical = (64+1+1)/10.
        for _ in 0..8 {
            f.add(1);
        }
        f.add(2);
        f.add(3);
        assert_eq!(f.sum_squares, 66);
        assert_eq!(f.weight(&1, 2, 3), 0); // log2(6.6/8) = -0.28
        assert_eq!(f.weight(&2, 2, 3), 2); // log2(6.6) = 2.7, clamped
        assert_eq!(f.weight(&2, 5, 3), 3);
        assert_eq!(f.weight(&9, 2, 3), 0);
        f.remove(&1);
        f.remove(&2);
        assert_eq!(f.sum_squares, 50);
        assert_eq!(f.people, 8);
        assert!(!f.counts.contains_key(&2));
        // Removing what is not there changes nothing.
        f.remove(&2);
        assert_eq!((f.sum_squares, f.people), (50, 8));
    }
}
