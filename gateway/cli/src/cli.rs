//! The command line's shape.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "gateway",
    version,
    about = "Secure inter-agency data-sharing gateway for young people's services (CCIS)"
)]
pub struct Cli {
    /// Configuration file (TOML). Without one, the zero-config development defaults apply:
    /// SQLite under ./data, a dev PKI under ./certs/dev, listening on 127.0.0.1:8443.
    #[arg(long, global = true, env = "GATEWAY_CONFIG")]
    pub config: Option<PathBuf>,

    /// Database: sqlite://PATH or postgres://... (overrides the configuration).
    #[arg(long, global = true, env = "GATEWAY_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Log format on stderr.
    #[arg(long, global = true, default_value = "json", value_parser = ["json", "text"])]
    pub log_format: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway.
    Serve(ServeArgs),
    /// Play the whole product once: dev PKI, synthetic cohort, partners, gateway on
    /// loopback, every exchange over mutual TLS; prints what each partner asked and got.
    Demo(DemoArgs),
    /// Make a development PKI.
    #[command(subcommand)]
    Certs(CertsCommand),
    /// Manage the partner registry.
    #[command(subcommand)]
    Partners(PartnersCommand),
    /// Manage data sharing agreements.
    #[command(subcommand)]
    Agreements(AgreementsCommand),
    /// Apply database migrations and exit.
    Migrate,
    /// Development tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the Cedar policy set.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Audit the disclosure log: verify it, prove entries, export it.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The log's keys: create them for a new log, or replace the signing key.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Bulk-load young people's records from a partner format.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write a return in a partner format.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Development tool: generate synthetic test and benchmark files.
    #[command(subcommand)]
    Synth(SynthCommand),
    /// Write a consistent copy of the SQLite database to a new file while the gateway runs
    /// (SQLite `VACUUM INTO`: a snapshot of one moment; writers carry on). For PostgreSQL use
    /// pg_dump or a base backup (README, Operations).
    Backup(BackupArgs),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The copy to write; must not exist yet (a backup never overwrites).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Stream an NCCIS XML return into the store: checks every record against the NCCIS
    /// checker rules, stores the accepted ones (new ones inserted, changed ones updated,
    /// identical ones left alone, so a re-run changes nothing) and writes a report of the
    /// rejected ones. Exits 0 when the file was read to its end, rejects or not.
    Nccis(ImportNccisArgs),
}

#[derive(Debug, Args)]
pub struct ImportNccisArgs {
    /// The NCCIS XML file.
    pub file: PathBuf,
    /// Where to write the checker report (JSON Lines, one line per record with a problem:
    /// record index, byte offset, YoungPersonsID, whether it was imported, and each problem's
    /// NCCIS rule, priority, element and outcome; no other personal data).
    /// Default: FILE.rejects.jsonl.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Also write the checker report as an HTML page (counts by rule and priority, records by
    /// YoungPersonsID; no other personal data).
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Print the summary as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write the monthly NCCIS return of the lead-LA cohort (records whose lead LA is
    /// `authority.la_code`), with `authority.database_id` as DatabaseID.
    Nccis(ExportNccisArgs),
}

#[derive(Debug, Args)]
pub struct ExportNccisArgs {
    /// Last day of the period the return covers (YYYY-MM-DD).
    #[arg(long)]
    pub period_end: String,
    /// DateOfSend in the header (YYYY-MM-DD); default today.
    #[arg(long)]
    pub date_of_send: Option<String>,
    /// Write here instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the gateway's own layout instead of a return for DfE: the whole activity
    /// history, SENDFlag N/K/E and the gateway's extensions, so the file re-imports every
    /// field. Not valid against the NCCIS schema; not logged as a disclosure to DfE.
    #[arg(long)]
    pub gateway_layout: bool,
    /// Write SENSupportFlag after SENDFlag (the 2019-20 requirement; the 2015 schema has
    /// no such element, so a file with it does not validate against nccis2015.xsd).
    #[arg(long)]
    pub sen_support_flag: bool,
    /// Every leaver (A, T, E, M, D, L) in this return, not only those not yet reported in
    /// an earlier one.
    #[arg(long)]
    pub all_leavers: bool,
}

#[derive(Debug, Subcommand)]
pub enum SynthCommand {
    /// A synthetic NCCIS return of COUNT young people who all pass the checker rules
    /// (lead LA `authority.la_code`, DatabaseID `authority.database_id`).
    Nccis(SynthNccisArgs),
}

#[derive(Debug, Args)]
pub struct SynthNccisArgs {
    /// Records to write.
    #[arg(long)]
    pub count: usize,
    /// Seed of the synthetic cohort (the same seed gives the same file).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// PeriodEnd of the return, also the day the cohort's ages and dates are relative to
    /// (YYYY-MM-DD); default the last day of the previous month.
    #[arg(long)]
    pub period_end: Option<String>,
    #[arg(long)]
    pub out: PathBuf,
    /// Make the records use every element and every code-list value of the NCCIS 2015
    /// schema (September Guarantee, intended destination, Youth Contract, previous
    /// YoungPersonsID, establishment, provider, placeholder postcodes...).
    #[arg(long)]
    pub every_element: bool,
    /// Write the file the way CCIS suppliers do: a name-only DOCTYPE, no encoding
    /// declaration, root NCCIS2015, `DatabaseID`, empty and self-closing elements for
    /// absent values, whitespace around values, `NeetStartDate`.
    #[arg(long)]
    pub supplier_habits: bool,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the whole Merkle tree from the stored entries and check every signed tree
    /// head. Exits non-zero on any changed, removed, inserted or reordered entry, naming the
    /// first bad index. With --offline, verifies an exported file with only the public key.
    Verify {
        /// An exported log (`audit export --out FILE`) to verify instead of the database.
        #[arg(long)]
        offline: Option<PathBuf>,
        /// The log's public key (PEM); default: KEYS_DIR/log-signing.pub.pem.
        #[arg(long)]
        public_key: Option<PathBuf>,
        #[command(flatten)]
        keys: KeysArg,
    },
    /// Print the inclusion proof of entry N in the latest signed tree head.
    Prove {
        #[arg(long)]
        index: u64,
        #[command(flatten)]
        keys: KeysArg,
    },
    /// Print the consistency proof between tree sizes A and B.
    Consistency {
        #[arg(long)]
        from: u64,
        #[arg(long)]
        to: u64,
        #[command(flatten)]
        keys: KeysArg,
    },
    /// Export the whole log as JSON Lines (for `verify --offline`), or with --subject, a
    /// subject access report: every entry about one young person, as JSON and as a table.
    Export {
        /// CCIS YoungPersonsID of the young person.
        #[arg(long)]
        subject: Option<String>,
        /// Write here instead of stdout (the whole-log export; the subject report also
        /// writes its JSON here).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        keys: KeysArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create the log's signing key and subject-pseudonym key for a new, EMPTY log and pin
    /// them in the database (a signed head of the empty tree, the pseudonym key's check
    /// value). The gateway never creates keys at start. On a log that already has entries it
    /// creates nothing: it only pins keys that already signed the log. Safe to run again.
    Init {
        #[command(flatten)]
        keys: KeysArg,
    },
    /// Replace the log's signing key (stop every node first): the log records the new public
    /// key in an entry committed by a head signed with the old key, then signs the same tree
    /// with the new one. The old public key stays in the key folder as
    /// `retired-<key id>.pub.pem` (receipts signed before the rotation verify with it).
    Rotate {
        #[command(flatten)]
        keys: KeysArg,
    },
}

#[derive(Debug, Args)]
pub struct KeysArg {
    /// The folder of the log keys (default: the configuration's keys_dir).
    #[arg(long)]
    pub keys_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate the policy set strictly and run its table-driven cases (DIR/tests/*.json),
    /// with coverage (every policy decides some case) and mutation (removing any policy
    /// makes some case fail) checks. Exits non-zero on any failure.
    Test {
        /// The policy directory to test, with its cases in DIR/tests (default: the
        /// configuration's `policy_dir`, or else the policy set built into the binary).
        #[arg(long, visible_alias = "policy-dir")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's database, PKI, keys and log (kept for inspection).
    #[arg(long, default_value = "demo")]
    pub dir: PathBuf,
    /// Seed of the synthetic cohort (the same seed gives the same young people).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Young people in the cohort.
    #[arg(long, default_value_t = 10_000)]
    pub people: usize,
    /// A Cedar policy directory to use instead of the policy set built into the binary.
    #[arg(long)]
    pub policy_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (overrides the configuration).
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
    /// A Cedar policy directory (overrides the configuration's `policy_dir`; without
    /// either, the policy set built into the binary).
    #[arg(long)]
    pub policy_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// Create a dev CA, server certificate, one client certificate and token key pair per
    /// demo partner, and an empty CRL.
    Init {
        #[arg(long, default_value = "certs/dev")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum PartnersCommand {
    /// Register a partner agency.
    Add(Box<PartnerAddArgs>),
    /// List registered partners.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Suspend a partner: every call it makes is refused (403) from now on.
    Suspend { id: String },
    /// Re-activate a suspended partner.
    Activate { id: String },
}

#[derive(Debug, Args)]
pub struct PartnerAddArgs {
    /// Short id: lower-case letters, digits and '-'.
    #[arg(long)]
    pub id: String,
    #[arg(long)]
    pub name: String,
    /// local_authority, youth_offending_team, jobcentre_plus or social_services.
    #[arg(long)]
    pub kind: String,
    /// Three-digit LA code, where relevant.
    #[arg(long)]
    pub la_code: Option<String>,
    /// The subjectAltName URI its client certificate carries.
    #[arg(long, required_unless_present = "cert_subject")]
    pub san_uri: Option<String>,
    /// Or the certificate subject (RFC 4514, as `openssl x509 -nameopt RFC2253` prints it).
    #[arg(long)]
    pub cert_subject: Option<String>,
    /// Pin a certificate fingerprint (hex SHA-256 of the DER); repeatable.
    #[arg(long = "fingerprint")]
    pub fingerprints: Vec<String>,
    /// The `iss` of its tokens.
    #[arg(long)]
    pub issuer: String,
    /// ES256, EdDSA or RS256.
    #[arg(long, default_value = "ES256")]
    pub alg: String,
    /// File with its token verification key(s): PEM public key(s) or a JWKS document.
    #[arg(long)]
    pub keys: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum AgreementsCommand {
    /// Record a data sharing agreement.
    Add(Box<AgreementAddArgs>),
    /// List agreements.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct AgreementAddArgs {
    #[arg(long)]
    pub reference: String,
    #[arg(long)]
    pub title: String,
    /// A party's partner id; repeatable.
    #[arg(long = "party", required = true)]
    pub parties: Vec<String>,
    /// An exchange covered (eet-status, benefit-registration, care-leaver-status, transfer);
    /// repeatable.
    #[arg(long = "exchange", required = true)]
    pub exchanges: Vec<String>,
    /// A purpose; repeatable.
    #[arg(long = "purpose", required = true)]
    pub purposes: Vec<String>,
    /// A data category; repeatable.
    #[arg(long = "category", required = true)]
    pub categories: Vec<String>,
    /// consent, public_task or legal_obligation.
    #[arg(long)]
    pub basis: String,
    /// First day in force (YYYY-MM-DD).
    #[arg(long)]
    pub starts: String,
    /// Review date (YYYY-MM-DD).
    #[arg(long)]
    pub review: String,
    /// Last day in force (YYYY-MM-DD), if it ends.
    #[arg(long)]
    pub ends: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Mint a partner token bound to a client certificate (development only: in production
    /// each partner's identity provider issues its own).
    Mint(TokenMintArgs),
}

#[derive(Debug, Args)]
pub struct TokenMintArgs {
    /// A demo partner of the dev PKI; fills in the key, certificate and issuer.
    #[arg(long)]
    pub partner: String,
    /// The dev PKI folder.
    #[arg(long, default_value = "certs/dev")]
    pub pki: PathBuf,
    /// Bind to this client certificate instead of the partner's dev one.
    #[arg(long)]
    pub cert: Option<PathBuf>,
    #[arg(long, default_value = "officer-1")]
    pub officer: String,
    #[arg(long, default_value = "case_worker")]
    pub role: String,
    #[arg(long, default_value = "ete-support")]
    pub purpose: String,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 300)]
    pub lifetime: i64,
    /// Audience (defaults to the configured one).
    #[arg(long)]
    pub audience: Option<String>,
}
