//! The disclosure log's storage contract, run against both backends: gap-free indexes
//! assigned under the log's lock, catch-up for a node whose tree is behind, one sequence from
//! concurrent appenders, nothing written when sealing fails, and tables the database itself
//! refuses to change.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use gateway_store::{LogRow, LogSealer, LogStore, SealedBatch, StoreError, StoredTreeHead};
use gateway_tests::{Backend, TestDatabase, on_both_backends};
use gateway_translog::{
    Frontier, Hash, MerkleTree, SignedTreeHead, TreeHead, TreeHeadSigner, TreeHeadVerifier,
    leaf_hash,
};

on_both_backends!(
    appends_are_numbered_from_zero_without_gaps,
    a_node_behind_the_log_is_given_the_leaves_it_missed,
    concurrent_appends_from_two_connections_form_one_tree,
    a_failed_append_writes_nothing,
    reads_page_and_filter_the_log,
    the_database_refuses_to_change_the_log,
);

/// One gateway node's side of the log: the signing key and its own copy of the tree.
struct Node {
    signer: TreeHeadSigner,
    tree: Mutex<Frontier>,
}

/// How a test batch seals.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Seal {
    Honestly,
    /// `seal` returns an error (say, the signing key is unavailable).
    Failing,
    /// Rows numbered one past the index the store assigned.
    OffByOne,
}

/// One append: the entries to add, sealed against the node's tree.
struct Batch<'a> {
    node: &'a Node,
    entries: Vec<(Vec<u8>, Option<String>)>,
    timestamp_ms: u64,
    seal: Seal,
    /// What `seal` was called with.
    called_with: Mutex<Option<(u64, Vec<[u8; 32]>)>>,
}

impl LogSealer for Batch<'_> {
    fn known_size(&self) -> u64 {
        self.node.tree.lock().unwrap().len()
    }

    fn seal(
        &self,
        first_index: u64,
        catch_up: &[[u8; 32]],
        _heads: &[StoredTreeHead],
    ) -> Result<SealedBatch, String> {
        *self.called_with.lock().unwrap() = Some((first_index, catch_up.to_vec()));
        if self.seal == Seal::Failing {
            return Err("the signing key is unavailable".into());
        }
        // A copy: the node's own tree changes only once the append has committed.
        let mut tree = self.node.tree.lock().unwrap().clone();
        for leaf in catch_up {
            tree.append(Hash(*leaf));
        }
        if tree.len() != first_index {
            return Err("catch-up does not reach the first index".into());
        }
        let offset = u64::from(self.seal == Seal::OffByOne);
        let rows = self
            .entries
            .iter()
            .map(|(entry, subject)| {
                let hash = leaf_hash(entry);
                let index = tree.append(hash) + offset;
                LogRow {
                    index,
                    entry: entry.clone(),
                    leaf_hash: hash.0,
                    subject: subject.clone(),
                }
            })
            .collect();
        let signed = self.node.signer.sign(&TreeHead {
            tree_size: tree.len(),
            root_hash: tree.root(),
            timestamp_ms: self.timestamp_ms,
        });
        Ok(SealedBatch {
            rows,
            head: StoredTreeHead {
                tree_size: signed.head.tree_size,
                timestamp_ms: signed.head.timestamp_ms,
                root_hash: signed.head.root_hash.0,
                key_id: signed.key_id.0,
                signature: signed.signature,
            },
        })
    }
}

type Appended = (SealedBatch, Vec<[u8; 32]>);

impl Node {
    fn new(pkcs8: &[u8]) -> Self {
        Node {
            signer: TreeHeadSigner::from_pkcs8(pkcs8).unwrap(),
            tree: Mutex::new(Frontier::new()),
        }
    }

    fn batch(&self, entries: Vec<(Vec<u8>, Option<String>)>, seal: Seal) -> Batch<'_> {
        Batch {
            node: self,
            entries,
            timestamp_ms: now_ms(),
            seal,
            called_with: Mutex::new(None),
        }
    }

    /// Appends through `store` and, once committed, brings the node's tree up to date as a
    /// gateway would: the catch-up leaves, then its own rows.
    async fn append(
        &self,
        store: &dyn LogStore,
        batch: &Batch<'_>,
    ) -> Result<Appended, StoreError> {
        let (sealed, catch_up) = store.append_log(batch).await?;
        let mut tree = self.tree.lock().unwrap();
        for leaf in &catch_up {
            tree.append(Hash(*leaf));
        }
        for row in &sealed.rows {
            tree.append(Hash(row.leaf_hash));
        }
        Ok((sealed, catch_up))
    }

    async fn append_entries(
        &self,
        store: &dyn LogStore,
        entries: Vec<(Vec<u8>, Option<String>)>,
    ) -> Appended {
        let batch = self.batch(entries, Seal::Honestly);
        self.append(store, &batch).await.unwrap()
    }

    fn size(&self) -> u64 {
        self.tree.lock().unwrap().len()
    }

    fn root(&self) -> [u8; 32] {
        self.tree.lock().unwrap().root().0
    }
}

fn now_ms() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    u64::try_from(since.as_millis()).unwrap()
}

/// A disclosure entry's canonical bytes, about `subject` if given.
fn entry(what: &str, subject: Option<&str>) -> (Vec<u8>, Option<String>) {
    let json = serde_json::json!({ "event": what, "subject": subject });
    (
        serde_json::to_vec(&json).unwrap(),
        subject.map(str::to_owned),
    )
}

fn entries(prefix: &str, n: usize) -> Vec<(Vec<u8>, Option<String>)> {
    (0..n)
        .map(|i| entry(&format!("{prefix}-{i}"), None))
        .collect()
}

fn indexes(rows: &[LogRow]) -> Vec<u64> {
    rows.iter().map(|r| r.index).collect()
}

/// The Merkle tree of every leaf in the store.
async fn stored_tree(store: &dyn LogStore) -> MerkleTree {
    let leaves = store.log_leaf_hashes(0, u64::MAX).await.unwrap();
    MerkleTree::from_leaf_hashes(leaves.into_iter().map(Hash))
}

/// Each stored head is signed by `verifier` and its root is the stored leaves' root at its
/// size.
async fn assert_heads_match_leaves(store: &dyn LogStore, verifier: &TreeHeadVerifier) {
    let tree = stored_tree(store).await;
    let heads = store.tree_heads().await.unwrap();
    assert!(!heads.is_empty());
    for head in heads {
        assert_eq!(
            head.root_hash,
            tree.root_at(head.tree_size).unwrap().0,
            "head at size {}",
            head.tree_size
        );
        verifier.verify(&signed(&head)).unwrap();
    }
}

fn signed(head: &StoredTreeHead) -> SignedTreeHead {
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

async fn appends_are_numbered_from_zero_without_gaps(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend, dir.path()).await;
    let store = gateway_store::connect(&db.url).await.unwrap();
    let store: &dyn LogStore = store.as_ref();

    assert_eq!(store.log_size().await.unwrap(), 0);
    assert_eq!(store.latest_tree_head().await.unwrap(), None);
    assert!(store.tree_heads().await.unwrap().is_empty());
    assert!(store.log_entries(0, 10).await.unwrap().is_empty());

    let node = Node::new(&TreeHeadSigner::generate_pkcs8().unwrap());
    let mut written = Vec::new();
    for n in [3, 1, 2] {
        let batch = node.batch(
            entries(&format!("batch{}", written.len()), n),
            Seal::Honestly,
        );
        let (sealed, catch_up) = node.append(store, &batch).await.unwrap();
        let first = u64::try_from(written.len()).unwrap();
        let size = first + u64::try_from(n).unwrap();
        assert_eq!(indexes(&sealed.rows), (first..size).collect::<Vec<_>>());
        assert!(catch_up.is_empty(), "this node wrote everything before");
        assert_eq!(
            *batch.called_with.lock().unwrap(),
            Some((first, Vec::new()))
        );
        assert_eq!(sealed.head.tree_size, size);
        assert_eq!(store.log_size().await.unwrap(), size);
        assert_eq!(store.latest_tree_head().await.unwrap(), Some(sealed.head));
        written.extend(batch.entries.iter().map(|(e, _)| e.clone()));
    }

    let stored = store.log_entries(0, 100).await.unwrap();
    assert_eq!(indexes(&stored), (0..6).collect::<Vec<_>>());
    for (row, bytes) in stored.iter().zip(&written) {
        assert_eq!(&row.entry, bytes);
        assert_eq!(row.leaf_hash, leaf_hash(bytes).0);
    }
    let heads = store.tree_heads().await.unwrap();
    assert_eq!(
        heads.iter().map(|h| h.tree_size).collect::<Vec<_>>(),
        vec![3, 4, 6]
    );
    assert_eq!(stored_tree(store).await.root().0, node.root());
    assert_heads_match_leaves(store, &node.signer.verifier()).await;
    db.drop_database().await;
}

async fn a_node_behind_the_log_is_given_the_leaves_it_missed(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend, dir.path()).await;
    // Two gateway nodes: their own connections, their own trees, the same log key.
    let first_store = gateway_store::connect(&db.url).await.unwrap();
    let second_store = gateway_store::connect(&db.url).await.unwrap();
    let (first_store, second_store): (&dyn LogStore, &dyn LogStore) =
        (first_store.as_ref(), second_store.as_ref());
    let key = TreeHeadSigner::generate_pkcs8().unwrap();
    let (a, b) = (Node::new(&key), Node::new(&key));

    let (by_a, _) = a.append_entries(first_store, entries("a", 3)).await;
    let a_leaves: Vec<[u8; 32]> = by_a.rows.iter().map(|r| r.leaf_hash).collect();

    // B has seen nothing: it is handed A's three leaves and appends after them.
    let batch = b.batch(entries("b", 2), Seal::Honestly);
    let (by_b, catch_up) = b.append(second_store, &batch).await.unwrap();
    assert_eq!(catch_up, a_leaves);
    assert_eq!(
        *batch.called_with.lock().unwrap(),
        Some((3, a_leaves.clone()))
    );
    assert_eq!(indexes(&by_b.rows), vec![3, 4]);
    assert_eq!(b.size(), 5);
    assert_eq!(by_b.head.root_hash, stored_tree(first_store).await.root().0);

    // Up to date now: nothing to catch up on.
    let (again, catch_up) = b.append_entries(second_store, entries("b2", 1)).await;
    assert!(catch_up.is_empty());
    assert_eq!(indexes(&again.rows), vec![5]);

    // A is three behind: it gets B's leaves, in order.
    let b_leaves: Vec<[u8; 32]> = by_b
        .rows
        .iter()
        .chain(&again.rows)
        .map(|r| r.leaf_hash)
        .collect();
    let (by_a, catch_up) = a.append_entries(first_store, entries("a2", 1)).await;
    assert_eq!(catch_up, b_leaves);
    assert_eq!(indexes(&by_a.rows), vec![6]);
    assert_eq!(a.root(), stored_tree(second_store).await.root().0);
    assert_heads_match_leaves(second_store, &a.signer.verifier()).await;

    // A node whose tree is longer than the log has lost track of it: refused, and its
    // sealer is never asked to sign anything.
    let ahead = Node::new(&key);
    for i in 0..10u8 {
        ahead.tree.lock().unwrap().append(leaf_hash(&[i]));
    }
    let batch = ahead.batch(entries("ahead", 1), Seal::Honestly);
    let refused = ahead.append(first_store, &batch).await;
    assert!(
        matches!(refused, Err(StoreError::Corrupt(_))),
        "{refused:?}"
    );
    assert_eq!(*batch.called_with.lock().unwrap(), None);
    assert_eq!(first_store.log_size().await.unwrap(), 7);
    db.drop_database().await;
}

async fn concurrent_appends_from_two_connections_form_one_tree(backend: Backend) {
    const TASKS: usize = 6;
    const APPENDS: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend, dir.path()).await;
    // As if two gateway processes: separate pools on the same database.
    let stores = [
        gateway_store::connect(&db.url).await.unwrap(),
        gateway_store::connect(&db.url).await.unwrap(),
    ];
    let key = TreeHeadSigner::generate_pkcs8().unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..TASKS {
        let store = stores[task % 2].clone();
        let node = Node::new(&key);
        tasks.spawn(async move {
            let subject = format!("p{task}");
            let mut mine = Vec::new();
            for round in 0..APPENDS {
                let n = 1 + (task + round) % 3;
                let batch = (0..n)
                    .map(|i| entry(&format!("t{task}-r{round}-{i}"), Some(subject.as_str())))
                    .collect();
                let (sealed, _) = node.append_entries(store.as_ref(), batch).await;
                // Each batch is contiguous, and ends where its head says.
                let first = sealed.rows[0].index;
                assert_eq!(
                    indexes(&sealed.rows),
                    (first..first + u64::try_from(n).unwrap()).collect::<Vec<_>>()
                );
                assert_eq!(sealed.head.tree_size, first + u64::try_from(n).unwrap());
                mine.extend(sealed.rows);
            }
            (task, node.size(), node.root(), mine)
        });
    }
    let results = tasks.join_all().await;

    let store: &dyn LogStore = stores[0].as_ref();
    let stored = store.log_entries(0, u64::MAX).await.unwrap();
    let total: usize = results.iter().map(|(_, _, _, rows)| rows.len()).sum();
    assert_eq!(
        store.log_size().await.unwrap(),
        u64::try_from(total).unwrap()
    );
    // One gap-free sequence, each row exactly as its writer sealed it.
    assert_eq!(
        indexes(&stored),
        (0..u64::try_from(total).unwrap()).collect::<Vec<_>>()
    );
    let tree = stored_tree(store).await;
    for (task, size, root, rows) in &results {
        for row in rows {
            let index = usize::try_from(row.index).unwrap();
            assert_eq!(&stored[index], row);
            assert_eq!(row.subject.as_deref(), Some(format!("p{task}").as_str()));
        }
        // Every node's tree agrees with the log at the size it reached.
        assert_eq!(*root, tree.root_at(*size).unwrap().0, "task {task}");
        assert_eq!(
            store
                .log_entries_for_subject(&format!("p{task}"))
                .await
                .unwrap(),
            *rows
        );
    }
    // One head per append, each at a distinct size, each the root of the leaves below it.
    let heads = store.tree_heads().await.unwrap();
    assert_eq!(heads.len(), TASKS * APPENDS);
    assert!(heads.windows(2).all(|w| w[0].tree_size < w[1].tree_size));
    assert_eq!(
        heads.last().map(|h| h.tree_size),
        Some(u64::try_from(total).unwrap())
    );
    let verifier = TreeHeadSigner::from_pkcs8(&key).unwrap().verifier();
    assert_heads_match_leaves(store, &verifier).await;
    db.drop_database().await;
}

async fn a_failed_append_writes_nothing(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend, dir.path()).await;
    let store = gateway_store::connect(&db.url).await.unwrap();
    let store: &dyn LogStore = store.as_ref();
    let node = Node::new(&TreeHeadSigner::generate_pkcs8().unwrap());
    node.append_entries(store, entries("kept", 2)).await;
    let heads_before = store.tree_heads().await.unwrap();

    // The sealer fails: its message is passed on, and nothing is written.
    let failing = node.batch(entries("lost", 2), Seal::Failing);
    match node.append(store, &failing).await {
        Err(StoreError::Sealer(message)) => assert_eq!(message, "the signing key is unavailable"),
        other => panic!("expected a sealer error, got {other:?}"),
    }
    assert_eq!(*failing.called_with.lock().unwrap(), Some((2, Vec::new())));

    // The sealer numbers its rows wrongly: refused, nothing written.
    let off = node.batch(entries("lost", 2), Seal::OffByOne);
    let refused = node.append(store, &off).await;
    assert!(matches!(refused, Err(StoreError::Sealer(_))), "{refused:?}");

    // The rows go in but the head cannot (another head already holds its size and time):
    // the rows are rolled back with it.
    let mut batch = node.batch(entries("lost", 1), Seal::Honestly);
    batch.timestamp_ms = 1;
    store
        .add_tree_head(&StoredTreeHead {
            tree_size: 3,
            timestamp_ms: batch.timestamp_ms,
            root_hash: [0; 32],
            key_id: node.signer.key_id().0,
            signature: vec![0; 64],
        })
        .await
        .unwrap();
    let refused = node.append(store, &batch).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );

    assert_eq!(node.size(), 2, "the node's tree did not move");
    assert_eq!(store.log_size().await.unwrap(), 2);
    assert!(store.log_entries(2, 10).await.unwrap().is_empty());
    assert_eq!(
        store.tree_heads().await.unwrap().len(),
        heads_before.len() + 1
    );

    // The next append takes the index the failed ones did not use.
    let (sealed, catch_up) = node.append_entries(store, entries("next", 1)).await;
    assert!(catch_up.is_empty());
    assert_eq!(indexes(&sealed.rows), vec![2]);
    assert_eq!(store.log_size().await.unwrap(), 3);
    db.drop_database().await;
}

async fn reads_page_and_filter_the_log(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend, dir.path()).await;
    let store = gateway_store::connect(&db.url).await.unwrap();
    let store: &dyn LogStore = store.as_ref();
    let node = Node::new(&TreeHeadSigner::generate_pkcs8().unwrap());

    // Bytes kept exactly: an escape and the character it stands for are different entries.
    let escaped = br#"{"event":"caf\u00e9","subject":"p-alice"}"#.to_vec();
    let literal = r#"{"event":"café 👋","subject":"p-alice"}"#.as_bytes().to_vec();
    let alice = Some("p-alice".to_owned());
    node.append_entries(
        store,
        vec![
            (escaped.clone(), alice.clone()),
            entry("disclosed", None),
            entry("disclosed", Some("p-bob")),
        ],
    )
    .await;
    node.append_entries(store, vec![(literal.clone(), alice.clone())])
        .await;
    node.append_entries(
        store,
        vec![
            entry("disclosed", Some("p-bob")),
            entry("refused", None),
            entry("disclosed", Some("p-alice")),
        ],
    )
    .await;
    assert_eq!(store.log_size().await.unwrap(), 7);

    let all = store.log_entries(0, u64::MAX).await.unwrap();
    assert_eq!(indexes(&all), (0..7).collect::<Vec<_>>());
    assert_eq!(all[0].entry, escaped);
    assert_eq!(all[3].entry, literal);
    assert_eq!(all[1].subject, None);

    // Pages of three put back together are the whole log.
    let mut paged = Vec::new();
    for from in [0, 3, 6] {
        let page = store.log_entries(from, 3).await.unwrap();
        assert_eq!(page.first().map(|r| r.index), Some(from));
        paged.extend(page);
    }
    assert_eq!(paged, all);
    assert!(store.log_entries(7, 5).await.unwrap().is_empty());
    assert!(store.log_entries(2, 0).await.unwrap().is_empty());
    assert!(store.log_entries(u64::MAX, 1).await.unwrap().is_empty());

    let hashes = store.log_leaf_hashes(2, 3).await.unwrap();
    assert_eq!(
        hashes,
        all[2..5].iter().map(|r| r.leaf_hash).collect::<Vec<_>>()
    );
    assert_eq!(store.log_leaf_hashes(0, u64::MAX).await.unwrap().len(), 7);
    assert!(store.log_leaf_hashes(7, 1).await.unwrap().is_empty());

    // "Who saw my record": only that subject's entries, in order.
    let for_alice = store.log_entries_for_subject("p-alice").await.unwrap();
    assert_eq!(indexes(&for_alice), vec![0, 3, 6]);
    assert!(for_alice.iter().all(|r| r.subject == alice));
    assert_eq!(
        indexes(&store.log_entries_for_subject("p-bob").await.unwrap()),
        vec![2, 4]
    );
    assert!(
        store
            .log_entries_for_subject("p-nobody")
            .await
            .unwrap()
            .is_empty()
    );

    // Re-signed heads at the same size: the latest is the newest; all are listed by size,
    // then time, whatever order they were stored in.
    let sealed = store.latest_tree_head().await.unwrap().unwrap();
    assert_eq!(sealed.tree_size, 7);
    let resign = |later: u64| {
        let signed = node.signer.sign(&TreeHead {
            tree_size: 7,
            root_hash: Hash(sealed.root_hash),
            timestamp_ms: sealed.timestamp_ms + later,
        });
        StoredTreeHead {
            tree_size: 7,
            timestamp_ms: signed.head.timestamp_ms,
            root_hash: sealed.root_hash,
            key_id: signed.key_id.0,
            signature: signed.signature,
        }
    };
    let (newest, newer) = (resign(60_000), resign(1_000));
    store.add_tree_head(&newest).await.unwrap();
    store.add_tree_head(&newer).await.unwrap();
    assert!(matches!(
        store.add_tree_head(&newer).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.latest_tree_head().await.unwrap(),
        Some(newest.clone())
    );
    let heads = store.tree_heads().await.unwrap();
    let order: Vec<(u64, u64)> = heads
        .iter()
        .map(|h| (h.tree_size, h.timestamp_ms))
        .collect();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(order, sorted);
    assert_eq!(
        order.iter().map(|(size, _)| *size).collect::<Vec<_>>(),
        vec![3, 4, 7, 7, 7]
    );
    assert_eq!(heads[2..], [sealed, newer, newest]);
    assert_heads_match_leaves(store, &node.signer.verifier()).await;
    db.drop_database().await;
}

/// Statements that would rewrite history, on either backend.
const REWRITES: [&str; 6] = [
    "UPDATE disclosure_log SET subject = 'someone-else'",
    "UPDATE disclosure_log SET entry = '{}' WHERE idx = 1",
    "DELETE FROM disclosure_log",
    "DELETE FROM disclosure_log WHERE idx = 2",
    "UPDATE tree_heads SET tree_size = tree_size + 1",
    "DELETE FROM tree_heads",
];

/// PostgreSQL also has TRUNCATE, which row triggers do not see.
const PG_REWRITES: [&str; 3] = [
    "TRUNCATE disclosure_log",
    "TRUNCATE tree_heads",
    "TRUNCATE disclosure_log, tree_heads",
];

async fn the_database_refuses_to_change_the_log(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend, dir.path()).await;
    let store = gateway_store::connect(&db.url).await.unwrap();
    let store: &dyn LogStore = store.as_ref();
    let node = Node::new(&TreeHeadSigner::generate_pkcs8().unwrap());
    node.append_entries(
        store,
        vec![
            entry("disclosed", Some("p-alice")),
            entry("disclosed", None),
            entry("refused", Some("p-bob")),
        ],
    )
    .await;
    let entries_before = store.log_entries(0, u64::MAX).await.unwrap();
    let heads_before = store.tree_heads().await.unwrap();

    // Straight to the database, past the store.
    let mut refusals = Vec::new();
    match backend {
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            for sql in REWRITES.into_iter().chain(PG_REWRITES) {
                let err = sqlx::query(sql).execute(&pool).await.expect_err(sql);
                refusals.push((sql, err.to_string()));
            }
            pool.close().await;
        }
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            for sql in REWRITES {
                let err = sqlx::query(sql).execute(&pool).await.expect_err(sql);
                refusals.push((sql, err.to_string()));
            }
            pool.close().await;
        }
    }
    for (sql, message) in refusals {
        assert!(
            message.contains("disclosure log is append-only"),
            "{sql}: {message}"
        );
    }

    assert_eq!(
        store.log_entries(0, u64::MAX).await.unwrap(),
        entries_before
    );
    assert_eq!(store.tree_heads().await.unwrap(), heads_before);
    // Appending is still allowed.
    let (sealed, _) = node
        .append_entries(store, vec![entry("disclosed", None)])
        .await;
    assert_eq!(indexes(&sealed.rows), vec![3]);
    db.drop_database().await;
}
