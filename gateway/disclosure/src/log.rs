//! The disclosure log service: appends with group commit, keeps the Merkle tree, signs tree
//! heads, answers proofs.
//!
//! One writer task per gateway process owns every write. Callers send it entries and wait;
//! while one batch is being committed the next requests queue up, and the writer takes all
//! of them (up to `max_batch`) into the next transaction. A batch is one database commit
//! (one fsync) and one signed tree head, however many requests it carries, so durable
//! throughput grows with concurrency instead of being capped at one fsync per request.
//!
//! Guarantees:
//! - [`DisclosureLog::append`] returns a receipt only after the entry and a signed head
//!   covering it are committed durably; on any failure it returns an error and the caller
//!   must not release anything.
//! - With several nodes on one PostgreSQL database, indexes are assigned under the store's
//!   lock; before sealing, the writer reads the leaves other nodes added (catch-up), so every
//!   head it signs covers the one shared sequence.
//! - The writer never signs over a row it has not verified: catch-up rows are taken only up
//!   to a stored head of exactly their size that verifies under the log's key and has the
//!   root they rebuild ([`crate::trust`]). At open the whole stored tree is checked the same
//!   way. Anything else stops the writer for good (every append answers
//!   [`LogError::Untrusted`], 503 for the partner), naming the first index it cannot vouch
//!   for; a restart refuses to start.
//! - The in-memory tree only changes after a commit succeeds.
//!
//! Not guaranteed: that an entry's bytes were not edited without its leaf hash (the writer
//! signs over leaf hashes, so it never vouches for such an edit; `gateway audit verify`
//! names it), nor that the newest entries were not deleted together with their heads (only
//! someone holding a newer head can tell).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use gateway_store::{LogSealer, SealedBatch, Store, StoreError, StoredTreeHead};
use gateway_translog::{
    Frontier, Hash, MerkleTree, SignedTreeHead, TreeError, TreeHead, TreeHeadSigner,
    TreeHeadVerifier, leaf_hash,
};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use crate::entry::{IndexedEntry, LogEntry};
use crate::pinning::PinError;
use crate::pseudonym::Pseudonymiser;
use crate::receipt::Receipt;
use crate::trust::{Untrusted, check_log, extend};

/// Tuning for the writer.
#[derive(Debug, Clone, Copy)]
pub struct LogSettings {
    /// Most entries in one commit.
    pub max_batch: usize,
    /// Requests waiting for the writer beyond this are refused (503) rather than queued.
    pub queue: usize,
    /// A fresh head is signed at least this often, even with no new entries, so monitors
    /// can see the log is alive.
    pub resign_interval: Duration,
    /// The longest a request waits for its entry to be committed, queueing included; after
    /// it the request gets [`LogError::DeadlineExceeded`] (503, nothing released) even if
    /// the writer is still stuck in the database.
    pub append_deadline: Duration,
    /// Readiness fails ([`DisclosureLog::stalled_for`]) once requests have waited this long
    /// without the writer committing anything.
    pub stall_bound: Duration,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            max_batch: 512,
            queue: 8192,
            resign_interval: Duration::from_secs(60),
            append_deadline: Duration::from_secs(10),
            stall_bound: Duration::from_secs(5),
        }
    }
}

/// Why the log could not do what was asked. Messages hold no personal data.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("the disclosure log cannot be written: {0}")]
    Unavailable(String),
    #[error("the disclosure log is busy")]
    Busy,
    #[error("the disclosure log did not commit within {0:?}")]
    DeadlineExceeded(Duration),
    #[error("stored log data is unreadable: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Proof(#[from] TreeError),
    #[error("the log has no signed tree head yet")]
    Empty,
    /// The stored log holds something the writer cannot vouch for; it has stopped.
    #[error("the disclosure log will not sign over the stored log: {0}")]
    Untrusted(#[from] Untrusted),
    #[error(transparent)]
    Pin(#[from] PinError),
}

impl From<StoreError> for LogError {
    fn from(err: StoreError) -> Self {
        LogError::Unavailable(err.to_string())
    }
}

/// An inclusion proof for one entry in one tree size.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InclusionProof {
    pub log_index: u64,
    pub tree_size: u64,
    pub leaf_hash: Hash,
    pub audit_path: Vec<Hash>,
}

/// A consistency proof between two tree sizes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    pub proof: Vec<Hash>,
}

#[derive(Debug, Default)]
struct TreeState {
    tree: MerkleTree,
    frontier: Frontier,
}

impl TreeState {
    fn push(&mut self, leaf: Hash) {
        self.tree.append(leaf);
        self.frontier.append(leaf);
    }
}

enum Command {
    Append(Box<LogEntry>, oneshot::Sender<Result<Receipt, LogError>>),
    Sync(oneshot::Sender<Result<u64, LogError>>),
}

/// The disclosure log of one gateway process. Cheap to clone.
#[derive(Clone)]
pub struct DisclosureLog {
    inner: Arc<Inner>,
}

struct Inner {
    commands: mpsc::Sender<Command>,
    tree: Arc<RwLock<TreeState>>,
    halted: Halt,
    store: Arc<dyn Store>,
    verifier: TreeHeadVerifier,
    pseudonymiser: Pseudonymiser,
    progress: Progress,
    append_deadline: Duration,
    stall_bound: Duration,
}

/// Set once, when the writer finds a stored log it cannot vouch for; it then refuses every
/// append until the process restarts (and a restart refuses to start).
type Halt = Arc<OnceLock<Untrusted>>;

/// Records why the writer stops (the first reason only) and says so once in the log.
fn halt(halted: &Halt, why: Untrusted) -> Untrusted {
    if halted.set(why.clone()).is_ok() {
        tracing::error!(
            first_bad_index = why.first_bad_index(),
            "disclosure log writer stopped: {why}"
        );
    }
    halted.get().cloned().unwrap_or(why)
}

/// Whether the writer keeps up: when it last committed, and since when requests have been
/// waiting for it. Kept by [`DisclosureLog::append`] alone (a receipt means a commit), so
/// the writer's internals need not know about readiness.
struct Progress {
    epoch: Instant,
    /// Milliseconds since `epoch` of the last receipt handed out.
    last_commit_ms: AtomicU64,
    /// Requests inside `append` now.
    waiting: AtomicUsize,
    /// Milliseconds since `epoch` when `waiting` last went from 0 to 1.
    waiting_since_ms: AtomicU64,
}

impl Progress {
    fn new() -> Self {
        Progress {
            epoch: Instant::now(),
            last_commit_ms: AtomicU64::new(0),
            waiting: AtomicUsize::new(0),
            waiting_since_ms: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn enter(&self) -> Waiting<'_> {
        if self.waiting.fetch_add(1, Ordering::AcqRel) == 0 {
            self.waiting_since_ms
                .store(self.now_ms(), Ordering::Release);
        }
        Waiting(self)
    }

    fn committed(&self) {
        self.last_commit_ms
            .fetch_max(self.now_ms().max(1), Ordering::AcqRel);
    }

    /// How long work has waited without a commit, when any is waiting.
    fn stalled_for(&self) -> Option<Duration> {
        if self.waiting.load(Ordering::Acquire) == 0 {
            return None;
        }
        let since = self
            .last_commit_ms
            .load(Ordering::Acquire)
            .max(self.waiting_since_ms.load(Ordering::Acquire));
        Some(Duration::from_millis(self.now_ms().saturating_sub(since)))
    }

    /// Milliseconds since the last commit this process saw, if any.
    fn since_last_commit(&self) -> Option<Duration> {
        match self.last_commit_ms.load(Ordering::Acquire) {
            0 => None,
            at => Some(Duration::from_millis(self.now_ms().saturating_sub(at))),
        }
    }
}

/// One request inside `append`; leaving (however it leaves) counts it out.
struct Waiting<'a>(&'a Progress);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

impl std::fmt::Debug for DisclosureLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DisclosureLog").finish_non_exhaustive()
    }
}

impl DisclosureLog {
    /// Checks the keys are the log's (the pseudonym key against its pinned check value, the
    /// signing key against the newest head), loads the tree from the store and checks it
    /// against every head signed with this key ([`crate::trust::check_log`]), and starts the
    /// writer task. Refuses with the first index it cannot vouch for.
    pub async fn open(
        store: Arc<dyn Store>,
        signer: TreeHeadSigner,
        pseudonymiser: Pseudonymiser,
        settings: LogSettings,
    ) -> Result<Self, LogError> {
        crate::pinning::check_pseudonym_key(store.as_ref(), &pseudonymiser).await?;
        let mut state = TreeState::default();
        catch_up(store.as_ref(), &mut state).await?;
        let verifier = signer.verifier();
        check_log(&state.tree, &store.tree_heads().await?, &verifier)?;
        tracing::info!(
            entries = state.tree.len(),
            "disclosure log loaded and verified"
        );
        let tree = Arc::new(RwLock::new(state));
        let (tx, rx) = mpsc::channel(settings.queue.max(1));
        let halted = Halt::default();
        let writer = Writer {
            store: store.clone(),
            signer,
            verifier: verifier.clone(),
            tree: tree.clone(),
            halted: halted.clone(),
            settings,
        };
        tokio::spawn(writer.run(rx));
        Ok(DisclosureLog {
            inner: Arc::new(Inner {
                commands: tx,
                tree,
                halted,
                store,
                verifier,
                pseudonymiser,
                progress: Progress::new(),
                append_deadline: settings.append_deadline,
                stall_bound: settings.stall_bound,
            }),
        })
    }

    /// Appends an entry and waits until it is durable. Only then may the answer leave.
    ///
    /// Waits at most [`LogSettings::append_deadline`]: past it the caller gets
    /// [`LogError::DeadlineExceeded`] and must release nothing. The entry may still be
    /// committed later by a writer that was stuck (a logged disclosure that was never sent:
    /// the safe side).
    pub async fn append(&self, entry: LogEntry) -> Result<Receipt, LogError> {
        let progress = &self.inner.progress;
        let _waiting = progress.enter();
        let (tx, rx) = oneshot::channel();
        self.inner
            .commands
            .try_send(Command::Append(Box::new(entry), tx))
            .map_err(|err| match err {
                mpsc::error::TrySendError::Full(_) => LogError::Busy,
                mpsc::error::TrySendError::Closed(_) => {
                    LogError::Unavailable("the log writer has stopped".into())
                }
            })?;
        let deadline = self.inner.append_deadline;
        let receipt = tokio::time::timeout(deadline, rx)
            .await
            .map_err(|_| LogError::DeadlineExceeded(deadline))?
            .map_err(|_| LogError::Unavailable("the log writer has stopped".into()))??;
        progress.committed();
        Ok(receipt)
    }

    /// How long requests have been waiting without the writer committing, when that is
    /// longer than [`LogSettings::stall_bound`] (readiness fails then); `None` when the
    /// writer keeps up or nothing waits.
    pub fn stalled_for(&self) -> Option<Duration> {
        self.inner
            .progress
            .stalled_for()
            .filter(|waited| *waited > self.inner.stall_bound)
    }

    /// Why the writer has stopped, if it found a stored log it cannot vouch for (readiness
    /// fails then).
    pub fn untrusted(&self) -> Option<Untrusted> {
        self.inner.halted.get().cloned()
    }

    /// Time since this process last committed an entry (`None` before the first).
    pub fn since_last_commit(&self) -> Option<Duration> {
        self.inner.progress.since_last_commit()
    }

    /// The subject pseudonym the log uses for a CCIS YoungPersonsID.
    pub fn pseudonym(&self, ccis_id: &str) -> String {
        self.inner.pseudonymiser.pseudonym(ccis_id)
    }

    /// The key that verifies this log's tree heads.
    pub fn verifier(&self) -> &TreeHeadVerifier {
        &self.inner.verifier
    }

    /// The latest signed tree head in the database (from any node).
    pub async fn tree_head(&self) -> Result<SignedTreeHead, LogError> {
        let head = self
            .inner
            .store
            .latest_tree_head()
            .await?
            .ok_or(LogError::Empty)?;
        Ok(signed_head(&head))
    }

    /// Proof that entry `index` is in the tree of `tree_size` entries (default: the latest
    /// signed head's size).
    pub async fn inclusion_proof(
        &self,
        index: u64,
        tree_size: Option<u64>,
    ) -> Result<InclusionProof, LogError> {
        let tree_size = match tree_size {
            Some(size) => size,
            None => self.tree_head().await?.head.tree_size,
        };
        self.ensure_size(tree_size).await?;
        let state = self.read();
        let audit_path = state.tree.inclusion_proof(index, tree_size)?;
        let leaf_hash = state
            .tree
            .leaf(index)
            .ok_or(TreeError::IndexOutOfRange { index, tree_size })?;
        Ok(InclusionProof {
            log_index: index,
            tree_size,
            leaf_hash,
            audit_path,
        })
    }

    /// Proof that the tree of `from` entries is a prefix of the tree of `to` entries.
    pub async fn consistency_proof(
        &self,
        from: u64,
        to: u64,
    ) -> Result<ConsistencyProof, LogError> {
        self.ensure_size(to).await?;
        let proof = self.read().tree.consistency_proof(from, to)?;
        Ok(ConsistencyProof { from, to, proof })
    }

    /// Number of entries this node's tree holds.
    pub fn size(&self) -> u64 {
        self.read().tree.len()
    }

    /// Asks the writer to read entries other nodes have added, if the tree is smaller than
    /// `size`.
    async fn ensure_size(&self, size: u64) -> Result<(), LogError> {
        if self.size() >= size {
            return Ok(());
        }
        let (tx, rx) = oneshot::channel();
        self.inner
            .commands
            .send(Command::Sync(tx))
            .await
            .map_err(|_| LogError::Unavailable("the log writer has stopped".into()))?;
        rx.await
            .map_err(|_| LogError::Unavailable("the log writer has stopped".into()))??;
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, TreeState> {
        // A writer that panicked mid-update cannot leave a half-appended tree (appends happen
        // after the commit, leaf by leaf, and every leaf is committed), so the data is usable.
        self.inner
            .tree
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Converts a stored head into the translog type.
pub fn signed_head(head: &StoredTreeHead) -> SignedTreeHead {
    SignedTreeHead {
        head: TreeHead {
            tree_size: head.tree_size,
            root_hash: Hash(head.root_hash),
            timestamp_ms: head.timestamp_ms,
        },
        key_id: Hash(head.key_id),
        signature: head.signature.clone(),
    }
}

fn stored_head(sth: &SignedTreeHead) -> StoredTreeHead {
    StoredTreeHead {
        tree_size: sth.head.tree_size,
        timestamp_ms: sth.head.timestamp_ms,
        root_hash: sth.head.root_hash.0,
        key_id: sth.key_id.0,
        signature: sth.signature.clone(),
    }
}

pub(crate) fn now_ms() -> u64 {
    u64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

/// Reads every stored leaf beyond the tree's size into it, unchecked (`open` checks the
/// whole tree after).
async fn catch_up(store: &dyn Store, state: &mut TreeState) -> Result<(), LogError> {
    const PAGE: u64 = 50_000;
    loop {
        let leaves = store.log_leaf_hashes(state.tree.len(), PAGE).await?;
        let got = leaves.len() as u64;
        for leaf in leaves {
            state.push(Hash(leaf));
        }
        if got < PAGE {
            return Ok(());
        }
    }
}

struct Writer {
    store: Arc<dyn Store>,
    signer: TreeHeadSigner,
    /// The signer's public key: the one key whose heads vouch for other nodes' rows.
    verifier: TreeHeadVerifier,
    tree: Arc<RwLock<TreeState>>,
    halted: Halt,
    settings: LogSettings,
}

impl Writer {
    async fn run(self, mut commands: mpsc::Receiver<Command>) {
        let mut resign = tokio::time::interval(self.settings.resign_interval);
        resign.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                command = commands.recv() => {
                    let Some(command) = command else { return };
                    let mut batch = Vec::new();
                    let mut syncs = Vec::new();
                    let mut next = Some(command);
                    while let Some(command) = next.take() {
                        match command {
                            Command::Append(entry, reply) => batch.push((*entry, reply)),
                            Command::Sync(reply) => syncs.push(reply),
                        }
                        if batch.len() < self.settings.max_batch {
                            next = commands.try_recv().ok();
                        }
                    }
                    if !batch.is_empty() {
                        self.append(batch).await;
                    }
                    if !syncs.is_empty() {
                        let result = self.sync().await;
                        for reply in syncs {
                            let _ = reply.send(result.as_ref().map(|n| *n).map_err(|e| LogError::Unavailable(e.to_string())));
                        }
                    }
                }
                _ = resign.tick() => {
                    if let Err(err) = self.resign_if_stale().await {
                        tracing::warn!(error = %err, "could not re-sign the tree head");
                    }
                }
            }
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, TreeState> {
        self.tree
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn append(&self, batch: Vec<(LogEntry, oneshot::Sender<Result<Receipt, LogError>>)>) {
        let (entries, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
        if let Some(why) = self.halted.get() {
            for reply in replies {
                let _ = reply.send(Err(LogError::Untrusted(why.clone())));
            }
            return;
        }
        let (frontier, known) = {
            let state = self
                .tree
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            (state.frontier.clone(), state.tree.len())
        };
        let sealer = BatchSealer {
            entries: &entries,
            frontier,
            known,
            signer: &self.signer,
            verifier: &self.verifier,
            untrusted: Mutex::new(None),
        };
        let result = self.store.append_log(&sealer).await;
        let refused = sealer
            .untrusted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(why) = refused {
            let why = halt(&self.halted, why);
            for reply in replies {
                let _ = reply.send(Err(LogError::Untrusted(why.clone())));
            }
            return;
        }
        match result {
            Ok((sealed, catch_up)) => {
                let head = signed_head(&sealed.head);
                let mut state = self.write();
                for leaf in catch_up {
                    state.push(Hash(leaf));
                }
                for row in &sealed.rows {
                    state.push(Hash(row.leaf_hash));
                }
                for (row, reply) in sealed.rows.iter().zip(replies) {
                    let receipt = state
                        .tree
                        .inclusion_proof(row.index, head.head.tree_size)
                        .map(|inclusion_proof| Receipt {
                            log_index: row.index,
                            leaf_hash: Hash(row.leaf_hash),
                            signed_tree_head: head.clone(),
                            inclusion_proof,
                            proof_url: format!("/v1/log/entries/{}/proof", row.index),
                        })
                        .map_err(LogError::from);
                    let _ = reply.send(receipt);
                }
            }
            Err(err) => {
                tracing::error!(error = %err, entries = replies.len(), "disclosure log append failed; nothing is released");
                for reply in replies {
                    let _ = reply.send(Err(LogError::Unavailable(err.to_string())));
                }
            }
        }
    }

    async fn sync(&self) -> Result<u64, LogError> {
        if let Some(why) = self.halted.get() {
            return Err(LogError::Untrusted(why.clone()));
        }
        let (from, frontier) = {
            let state = self
                .tree
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            (state.tree.len(), state.frontier.clone())
        };
        let mut fresh = Vec::new();
        loop {
            let leaves = self
                .store
                .log_leaf_hashes(from + fresh.len() as u64, 50_000)
                .await?;
            let done = leaves.len() < 50_000;
            fresh.extend(leaves);
            if done {
                break;
            }
        }
        if fresh.is_empty() {
            return Ok(from);
        }
        // Read after the rows: every batch commits its rows with its head, so the head of the
        // size read is there; heads beyond it (a later commit) are ignored.
        let heads = self.store.tree_heads_above(from).await?;
        extend(&frontier, &fresh, &heads, &self.verifier)
            .map_err(|why| LogError::Untrusted(halt(&self.halted, why)))?;
        let mut state = self.write();
        for leaf in fresh {
            state.push(Hash(leaf));
        }
        Ok(state.tree.len())
    }

    /// Signs a head at the current size when the newest stored one is older than the
    /// interval.
    async fn resign_if_stale(&self) -> Result<(), LogError> {
        if self.halted.get().is_some() {
            return Ok(());
        }
        let latest = self.store.latest_tree_head().await?;
        let interval_ms =
            u64::try_from(self.settings.resign_interval.as_millis()).unwrap_or(u64::MAX);
        let now = now_ms();
        if latest.is_some_and(|h| now.saturating_sub(h.timestamp_ms) < interval_ms) {
            return Ok(());
        }
        self.sync().await?;
        let head = {
            let state = self
                .tree
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            TreeHead {
                tree_size: state.tree.len(),
                root_hash: state.tree.root(),
                timestamp_ms: now,
            }
        };
        self.store
            .add_tree_head(&stored_head(&self.signer.sign(&head)))
            .await?;
        Ok(())
    }
}

/// Turns pending entries into rows at the index the store assigns, and signs the head.
struct BatchSealer<'a> {
    entries: &'a [LogEntry],
    frontier: Frontier,
    known: u64,
    signer: &'a TreeHeadSigner,
    verifier: &'a TreeHeadVerifier,
    /// Set when the catch-up rows are not vouched for: the writer stops.
    untrusted: Mutex<Option<Untrusted>>,
}

impl LogSealer for BatchSealer<'_> {
    fn known_size(&self) -> u64 {
        self.known
    }

    fn seal(
        &self,
        first_index: u64,
        catch_up: &[[u8; 32]],
        heads: &[StoredTreeHead],
    ) -> Result<SealedBatch, String> {
        let mut frontier = match extend(&self.frontier, catch_up, heads, self.verifier) {
            Ok(frontier) => frontier,
            Err(why) => {
                let message = why.to_string();
                *self
                    .untrusted
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(why);
                return Err(message);
            }
        };
        if frontier.len() != first_index {
            return Err(format!(
                "tree has {} leaves but the next index is {first_index}",
                frontier.len()
            ));
        }
        let mut rows = Vec::with_capacity(self.entries.len());
        for (offset, entry) in self.entries.iter().enumerate() {
            let index = first_index + offset as u64;
            let subject = entry.subject.clone();
            let bytes = IndexedEntry {
                index,
                entry: entry.clone(),
            }
            .to_bytes()
            .map_err(|e| format!("entry not serialisable: {e}"))?;
            let leaf = leaf_hash(&bytes);
            frontier.append(leaf);
            rows.push(gateway_store::LogRow {
                index,
                entry: bytes,
                leaf_hash: leaf.0,
                subject,
            });
        }
        let head = self.signer.sign(&TreeHead {
            tree_size: frontier.len(),
            root_hash: frontier.root(),
            timestamp_ms: now_ms(),
        });
        Ok(SealedBatch {
            rows,
            head: stored_head(&head),
        })
    }
}
