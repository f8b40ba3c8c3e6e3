//! The rules of the documents (docs/DESIGN.md §4), pure: which version of each
//! kind is in force at an instant, what a user who accepted an older one must
//! agree to again, what the notice banner announces. They read plain data
//! ([`DocumentVersion`]) and know no storage or HTTP.

use super::types::{Localized, VersionEntry, VersionStatus};
use crate::domain::DocumentKind;
use crate::server::clock::{china_date, Timestamp};

/// A published version, without its bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentVersion {
    pub kind: DocumentKind,
    /// 1, 2, ... per kind.
    pub version: u32,
    /// What changed, for the notice banner and the consent page.
    pub summary_zh: String,
    pub summary_en: String,
    /// A material change: signed-in users must agree again once it is in force.
    pub material: bool,
    /// In force from this instant on.
    pub effective_at: Timestamp,
    pub published_at: Timestamp,
}

/// Every published version, with the rules that read them at one instant.
#[derive(Debug, Clone)]
pub struct Versions {
    rows: Vec<DocumentVersion>,
    now: i64,
}

impl Versions {
    /// `rows` as storage returns them (by kind, then version), read at `now`
    /// (Unix seconds).
    pub fn new(rows: Vec<DocumentVersion>, now: i64) -> Self {
        Self { rows, now }
    }

    pub fn of(&self, kind: DocumentKind) -> impl DoubleEndedIterator<Item = &DocumentVersion> {
        self.rows.iter().filter(move |r| r.kind == kind)
    }

    fn effective(&self, row: &DocumentVersion) -> bool {
        row.effective_at <= self.now
    }

    /// The newest version of `kind` whose effective date has come.
    pub fn in_force(&self, kind: DocumentKind) -> Option<&DocumentVersion> {
        self.of(kind).rev().find(|r| self.effective(r))
    }

    /// Each document's version in force, as (kind, version) pairs in
    /// [`DocumentKind::ALL`] order; a kind with none in force is left out.
    pub fn in_force_pairs(&self) -> Vec<(DocumentKind, u32)> {
        DocumentKind::ALL
            .into_iter()
            .filter_map(|k| Some((k, self.in_force(k)?.version)))
            .collect()
    }

    /// The version of `kind` a user who last accepted `accepted` (0: none) must
    /// agree to before using their account: the version in force, when a material
    /// version newer than `accepted` is in force. Non-material versions never ask.
    pub fn due(&self, kind: DocumentKind, accepted: u32) -> Option<&DocumentVersion> {
        let material = self
            .of(kind)
            .rev()
            .find(|r| r.material && self.effective(r))?;
        (material.version > accepted)
            .then(|| self.in_force(kind))
            .flatten()
    }

    /// What the notice banner announces: per kind, the version in force, if it is
    /// not the first and took effect less than `days` days ago.
    pub fn notices(&self, days: u32) -> impl Iterator<Item = &DocumentVersion> {
        let window = i64::from(days) * 86_400;
        DocumentKind::ALL
            .into_iter()
            .filter_map(move |kind| self.in_force(kind))
            .filter(move |r| r.version > 1 && self.now < r.effective_at + window)
    }

    pub fn status(&self, row: &DocumentVersion) -> VersionStatus {
        match self.in_force(row.kind) {
            _ if !self.effective(row) => VersionStatus::Upcoming,
            Some(current) if current.version == row.version => VersionStatus::InForce,
            _ => VersionStatus::Superseded,
        }
    }

    /// What the pages show of `row`.
    pub fn entry(&self, row: &DocumentVersion) -> VersionEntry {
        VersionEntry {
            kind: row.kind,
            version: row.version,
            effective: china_date(row.effective_at),
            material: row.material,
            status: self.status(row),
            summary: Localized {
                zh: row.summary_zh.clone(),
                en: row.summary_en.clone(),
            },
        }
    }

    /// The documents an account with ledger `accepted` ((kind, version) rows) must
    /// agree to now, each at the version in force.
    pub fn due_for(&self, accepted: &[(DocumentKind, u32)]) -> Vec<&DocumentVersion> {
        DocumentKind::ALL
            .into_iter()
            .filter_map(|kind| {
                let last = accepted
                    .iter()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, v)| *v)
                    .max()
                    .unwrap_or(0);
                self.due(kind, last)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, version: u32, material: bool, effective_at: i64) -> DocumentVersion {
        DocumentVersion {
            kind: kind.parse().unwrap(),
            version,
            summary_zh: String::new(),
            summary_en: String::new(),
            material,
            effective_at,
            published_at: 0,
        }
    }

    fn accepted(pairs: &[(&str, u32)]) -> Vec<(DocumentKind, u32)> {
        pairs
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), *v))
            .collect()
    }

    const DAY: i64 = 86_400;

    #[test]
    fn a_material_version_in_force_is_due_for_those_who_accepted_an_older_one() {
        let rows = vec![
            row("agreement", 1, false, 0),
            row("privacy", 1, false, 0),
            row("privacy", 2, true, 10 * DAY),
        ];
        let v1_user = accepted(&[("agreement", 1), ("privacy", 1)]);
        // Before the effective date: nothing is due, version 1 is in force.
        let before = Versions::new(rows.clone(), 10 * DAY - 1);
        assert!(before.due_for(&v1_user).is_empty());
        assert_eq!(before.in_force(DocumentKind::Privacy).unwrap().version, 1);
        // From the effective date on: privacy version 2 is due, the agreement not.
        let after = Versions::new(rows, 10 * DAY);
        let due = after.due_for(&v1_user);
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].kind.as_str(), due[0].version), ("privacy", 2));
        // Who accepted version 2 (at sign-up, or by re-consent) is not asked.
        assert!(after
            .due_for(&accepted(&[
                ("agreement", 1),
                ("privacy", 1),
                ("privacy", 2)
            ]))
            .is_empty());
    }

    #[test]
    fn a_non_material_version_never_asks_but_is_what_a_due_user_accepts() {
        let rows = vec![
            row("agreement", 1, false, 0),
            row("agreement", 2, false, DAY),
        ];
        let versions = Versions::new(rows.clone(), 2 * DAY);
        assert!(versions.due_for(&accepted(&[("agreement", 1)])).is_empty());
        // A material version 2 followed by a non-material 3: a version-1 user
        // agrees to 3, the version in force; a version-2 user is not asked.
        let mut rows = rows;
        rows[1].material = true;
        rows.push(row("agreement", 3, false, 3 * DAY));
        let versions = Versions::new(rows, 3 * DAY);
        let due = versions.due_for(&accepted(&[("agreement", 1)]));
        assert_eq!(due[0].version, 3);
        assert!(versions.due_for(&accepted(&[("agreement", 2)])).is_empty());
    }

    #[test]
    fn statuses_and_the_notice_window() {
        let rows = vec![
            row("privacy", 1, false, 0),
            row("privacy", 2, false, DAY),
            row("privacy", 3, true, 40 * DAY),
        ];
        let at = |now| Versions::new(rows.clone(), now);
        let v = at(2 * DAY);
        let statuses: Vec<_> = rows.iter().map(|r| v.status(r)).collect();
        assert_eq!(
            statuses,
            [
                VersionStatus::Superseded,
                VersionStatus::InForce,
                VersionStatus::Upcoming
            ]
        );
        // Version 2 is announced for 30 days from its effective date; version 1 never.
        let announced = |now| -> Vec<u32> { at(now).notices(30).map(|r| r.version).collect() };
        assert_eq!(announced(DAY - 1), Vec::<u32>::new());
        assert_eq!(announced(DAY), [2]);
        assert_eq!(announced(31 * DAY - 1), [2]);
        assert_eq!(announced(31 * DAY), Vec::<u32>::new());
        assert_eq!(announced(40 * DAY), [3]);
        assert_eq!(at(2 * DAY).notices(0).count(), 0);
        // A newer version in force replaces the older one's notice.
        let mut rows = rows.clone();
        rows.push(row("privacy", 4, false, 41 * DAY));
        rows.push(row("agreement", 2, false, 41 * DAY));
        let listed: Vec<_> = Versions::new(rows, 41 * DAY)
            .notices(30)
            .map(|r| (r.kind, r.version))
            .collect();
        assert_eq!(
            listed,
            [(DocumentKind::Agreement, 2), (DocumentKind::Privacy, 4)]
        );
    }
}
