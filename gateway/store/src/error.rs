/// What went wrong in the store. Messages name the operation, never stored values.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL must start with sqlite: or postgres:")]
    UnsupportedUrl,
    #[error("a record with the same {0} already exists")]
    Conflict(&'static str),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The caller's [`LogSealer`](crate::LogSealer) failed, or sealed a batch that does not fit
    /// the log (wrong indexes, a head that does not cover it); nothing was written.
    #[error("sealing the disclosure log batch failed: {0}")]
    Sealer(String),
    /// The database did not answer within a configured bound ([`crate::StoreTimeouts`]);
    /// the transaction was abandoned and its connection closed.
    #[error("database timed out: {0}")]
    Timeout(&'static str),
    /// The backend cannot do this (e.g. an online file backup of PostgreSQL).
    #[error("not supported on this backend: {0}")]
    Unsupported(&'static str),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err
            && db.is_unique_violation()
        {
            // Which constraint, never which value.
            // PostgreSQL names the constraint; SQLite names the column in its message
            // ("UNIQUE constraint failed: partners.cert_san_uri"). Neither holds the value.
            let name = db.constraint().unwrap_or_else(|| db.message());
            let what = if name.contains("san_uri") {
                "certificate SAN URI"
            } else if name.contains("subject") {
                "certificate subject"
            } else if name.contains("issuer") {
                "token issuer"
            } else if name.contains("reference") {
                "agreement reference"
            } else {
                "key"
            };
            return StoreError::Conflict(what);
        }
        StoreError::Database(err)
    }
}
