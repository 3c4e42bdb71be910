//! A gateway with a cohort, partners of every kind, their agreements, and the home
//! authority's own staff: the setting of the exchange and log tests.

use gateway_domain::synthetic::cohort;
use gateway_domain::{LaCode, YoungPerson};
use gateway_store::{AgencyKind, LawfulBasis, NewAgreement, NewPartner, PartnerId, TokenAlgorithm};
use http::Method;
use serde_json::Value;
use time::OffsetDateTime;

use crate::{TestApp, TestPartner, TestPki};

/// The home authority's LA code in tests (the `DisclosureSettings` default).
pub const HOME_LA: &str = "886";

/// Who calls: the officer behind a token.
#[derive(Debug, Clone, Copy)]
pub struct Officer<'a> {
    pub id: &'a str,
    pub role: &'a str,
    pub purpose: &'a str,
}

pub const YOT_OFFICER: Officer<'static> = Officer {
    id: "yot-officer-1",
    role: "yot_officer",
    purpose: "case_management",
};
pub const YOT_MANAGER: Officer<'static> = Officer {
    id: "yot-manager-1",
    role: "yot_manager",
    purpose: "case_management",
};
pub const WORK_COACH: Officer<'static> = Officer {
    id: "work-coach-1",
    role: "work_coach",
    purpose: "benefit_entitlement",
};
pub const PERSONAL_ADVISER: Officer<'static> = Officer {
    id: "personal-adviser-1",
    role: "personal_adviser",
    purpose: "pathway_planning",
};
pub const ADVISER: Officer<'static> = Officer {
    id: "adviser-1",
    role: "adviser",
    purpose: "recording_decisions",
};
pub const DPO: Officer<'static> = Officer {
    id: "dpo-1",
    role: "data_protection_officer",
    purpose: "oversight",
};

/// The partners of a scenario.
pub struct Partners {
    pub yot: TestPartner,
    pub jcp: TestPartner,
    pub leaving_care: TestPartner,
    /// The home authority's own staff (advisers, DPO).
    pub home: TestPartner,
    /// A YOT with no agreement.
    pub stranger: TestPartner,
}

impl TestPartner {
    /// A fresh token for this officer.
    pub fn token_as(&self, officer: Officer<'_>) -> String {
        let mut request = self.token_request();
        request.officer = officer.id.into();
        request.role = officer.role.into();
        request.purpose = officer.purpose.into();
        request.case_reference = None;
        self.sign(&request.claims())
    }
}

impl TestApp {
    /// Registers a partner with an LA code.
    pub async fn register_la(
        &self,
        id: &str,
        kind: AgencyKind,
        la_code: Option<&str>,
    ) -> TestPartner {
        let partner = self.issue_partner(id);
        self.store
            .add_partner(&NewPartner {
                id: PartnerId::parse(id).unwrap(),
                display_name: format!("Partner {id}"),
                agency_kind: kind,
                la_code: la_code.map(str::to_owned),
                cert_san_uri: Some(TestPki::san_uri(id)),
                cert_subject: None,
                cert_fingerprints: vec![],
                token_issuer: partner.issuer.clone(),
                token_algorithm: TokenAlgorithm::Es256,
                token_keys: partner.token_key.public_pem.clone(),
            })
            .await
            .unwrap();
        partner
    }

    /// An agreement in force (started a year ago, no end) for one partner and exchange.
    pub async fn agree(
        &self,
        partner: &str,
        exchange: &str,
        purposes: &[&str],
        categories: &[&str],
        basis: LawfulBasis,
    ) {
        let today = OffsetDateTime::now_utc().date();
        self.store
            .add_agreement(&NewAgreement {
                reference: format!("DSA-{partner}-{exchange}"),
                title: format!("{partner} {exchange}"),
                parties: vec![partner.into()],
                exchanges: vec![exchange.into()],
                purposes: purposes.iter().map(|p| (*p).to_owned()).collect(),
                data_categories: categories.iter().map(|c| (*c).to_owned()).collect(),
                lawful_basis: basis,
                starts_on: today - time::Duration::days(365),
                review_on: today + time::Duration::days(365),
                ends_on: None,
            })
            .await
            .unwrap();
    }

    /// Stores `n` synthetic young people (for today) and rebuilds the subject index.
    pub async fn load_cohort(&self, seed: u64, n: usize) -> Vec<YoungPerson> {
        let today = OffsetDateTime::now_utc().date();
        let people: Vec<YoungPerson> =
            cohort(seed, n, today, LaCode::parse(HOME_LA).unwrap()).collect();
        self.store.upsert_young_people(&people).await.unwrap();
        self.server.reload_subjects().await.unwrap();
        people
    }

    /// Stores records as given and rebuilds the subject index.
    pub async fn put_people(&self, people: &[YoungPerson]) {
        self.store.upsert_young_people(people).await.unwrap();
        self.server.reload_subjects().await.unwrap();
    }

    /// Registers the scenario's partners and their agreements.
    pub async fn scenario_partners(&self) -> Partners {
        let yot = self
            .register_la("kent-yot", AgencyKind::YouthOffendingTeam, Some(HOME_LA))
            .await;
        let jcp = self
            .register_la("jcp-maidstone", AgencyKind::JobcentrePlus, None)
            .await;
        let leaving_care = self
            .register_la(
                "kent-leaving-care",
                AgencyKind::SocialServices,
                Some(HOME_LA),
            )
            .await;
        let home = self
            .register_la("kent-ccis", AgencyKind::LocalAuthority, Some(HOME_LA))
            .await;
        let stranger = self
            .register_la("medway-yot", AgencyKind::YouthOffendingTeam, Some("887"))
            .await;
        self.agree(
            "kent-yot",
            "eet-status",
            &["case_management"],
            &["identity", "activity", "ete_suitability", "send"],
            LawfulBasis::PublicTask,
        )
        .await;
        self.agree(
            "jcp-maidstone",
            "benefit-registration",
            &["benefit_entitlement"],
            &["identity", "registration", "activity"],
            LawfulBasis::LegalObligation,
        )
        .await;
        self.agree(
            "kent-leaving-care",
            "care-leaver-status",
            &["pathway_planning"],
            &["identity", "care_status", "activity"],
            LawfulBasis::PublicTask,
        )
        .await;
        Partners {
            yot,
            jcp,
            leaving_care,
            home,
            stranger,
        }
    }

    /// One call on a fresh connection with a fresh token.
    pub async fn call(
        &self,
        partner: &TestPartner,
        officer: Officer<'_>,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> gateway_client::Response {
        let mut conn = self.connect(partner).await;
        conn.send(method, path, Some(&partner.token_as(officer)), body)
            .await
            .unwrap()
    }
}
