//! What the partners do in the demo, and what each is told. Every step states what it
//! expects; anything else stops the demo with an error, so a run that exits 0 has shown
//! every rule working.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, bail};
use gateway_client::Response;
use gateway_disclosure::Receipt;
use gateway_domain::{CurrencyWindows, InTouch, YoungPerson};
use gateway_pki::dev::DevPki;
use gateway_translog::TreeHeadVerifier;
use http::Method;
use serde_json::{Value, json};

use super::partner::{DemoPartner, Officer};
use super::setup::Loaded;

const YOT_OFFICER: Officer<'static> = Officer {
    id: "yot-officer-17",
    role: "yot_officer",
    purpose: "case_management",
};
const YOT_MANAGER: Officer<'static> = Officer {
    id: "yot-manager-02",
    role: "yot_manager",
    purpose: "case_management",
};
const WORK_COACH: Officer<'static> = Officer {
    id: "work-coach-4",
    role: "work_coach",
    purpose: "benefit_entitlement",
};
const PERSONAL_ADVISER: Officer<'static> = Officer {
    id: "personal-adviser-11",
    role: "personal_adviser",
    purpose: "pathway_planning",
};
const ADVISER: Officer<'static> = Officer {
    id: "ccis-adviser-03",
    role: "adviser",
    purpose: "recording_decisions",
};
const DPO: Officer<'static> = Officer {
    id: "dpo-01",
    role: "data_protection_officer",
    purpose: "oversight",
};

/// The young people the demo asks about, chosen from the cohort by what they show.
struct Cast<'a> {
    in_eet: &'a YoungPerson,
    objecting: &'a YoungPerson,
    claimant: &'a YoungPerson,
    care_leaver: &'a YoungPerson,
    lapsed: &'a YoungPerson,
    with_send: &'a YoungPerson,
}

fn cast(loaded: &Loaded) -> anyhow::Result<Cast<'_>> {
    let today = loaded.today;
    let windows = CurrencyWindows::default();
    let age = |p: &YoungPerson| p.age_on(today).unwrap_or(0);
    let current = |p: &YoungPerson| {
        p.current_currency(&windows, today)
            .is_some_and(|c| c.is_current())
    };
    let mut taken: Vec<&str> = Vec::new();
    let mut pick = |what: &str, test: &dyn Fn(&YoungPerson) -> bool| {
        let found = loaded
            .people
            .iter()
            .find(|p| !taken.contains(&p.ccis_id.as_str()) && test(p))
            .with_context(|| format!("the cohort has no {what}"))?;
        taken.push(found.ccis_id.as_str());
        anyhow::Ok(found)
    };
    let in_eet = pick("young person in EET", &|p| {
        (16..=18).contains(&age(p))
            && p.upn.is_some()
            && current(p)
            && p.current_currency(&windows, today)
                .is_some_and(|c| c.reported_group().is_eet())
    })?;
    let objecting = pick("young person to object", &|p| {
        (16..=18).contains(&age(p)) && p.upn.is_some() && current(p)
    })?;
    let claimant = pick("registered 16/17 year old claimant", &|p| {
        (16..=17).contains(&age(p))
            && p.nino.is_some()
            && p.benefit_registration.is_some()
            && current(p)
    })?;
    let care_leaver = pick("care leaver in touch", &|p| {
        p.care.as_ref().is_some_and(|c| c.in_touch == InTouch::Yes) && current(p)
    })?;
    let lapsed = pick("young person with a lapsed activity", &|p| {
        (16..=18).contains(&age(p))
            && p.upn.is_some()
            && p.current_currency(&windows, today)
                .is_some_and(|c| !c.is_current())
    })?;
    let with_send = pick("young person with SEND", &|p| {
        (16..=18).contains(&age(p)) && p.upn.is_some() && p.send.has_send() && current(p)
    })?;
    Ok(Cast {
        in_eet,
        objecting,
        claimant,
        care_leaver,
        lapsed,
        with_send,
    })
}

fn by_upn(p: &YoungPerson) -> Value {
    json!({ "subject": { "identifier": { "upn": p.upn.as_ref().map(|u| u.as_str()) } } })
}

struct Player<'a> {
    addr: SocketAddr,
    verifier: TreeHeadVerifier,
    played: usize,
    step: usize,
    partners: Vec<DemoPartner>,
    _pki: &'a DevPki,
}

impl Player<'_> {
    fn partner(&self, id: &str) -> anyhow::Result<&DemoPartner> {
        self.partners
            .iter()
            .find(|p| p.id == id)
            .with_context(|| format!("no demo partner {id}"))
    }

    fn heading(&mut self, text: &str) {
        self.step += 1;
        println!("{}. {text}", self.step);
    }

    async fn call(
        &mut self,
        partner: &str,
        officer: Officer<'_>,
        method: Method,
        path: &str,
        body: Option<&Value>,
        expect: u16,
    ) -> anyhow::Result<Value> {
        let response: Response = self
            .partner(partner)?
            .call(self.addr, officer, method.clone(), path, body)
            .await
            .with_context(|| format!("{method} {path}"))?;
        self.played += 1;
        let status = response.status.as_u16();
        let value: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        if status != expect {
            bail!("{method} {path}: expected {expect}, got {status}: {value}");
        }
        Ok(value)
    }

    /// Prints an exchange answer and checks its receipt against the log's public key.
    fn show_answer(&self, who: &str, value: &Value) -> anyhow::Result<()> {
        let d = &value["disclosure"];
        println!("   {who} receives {}", d["answer"]);
        println!(
            "   released: {}   withheld: {}",
            list(&d["released"]),
            list(&d["withheld"])
        );
        let receipt: Receipt = serde_json::from_value(value["receipt"].clone())
            .context("the answer carries no receipt")?;
        receipt
            .verify(&self.verifier)
            .map_err(|e| anyhow::anyhow!("receipt does not verify: {e}"))?;
        println!(
            "   receipt: log entry {}, in signed tree head of size {} (inclusion proof checked)",
            receipt.log_index, receipt.signed_tree_head.head.tree_size
        );
        Ok(())
    }
}

fn list(v: &Value) -> String {
    let items: Vec<&str> = v
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if items.is_empty() {
        "-".into()
    } else {
        items.join(", ")
    }
}

fn describe(p: &YoungPerson, loaded: &Loaded) -> String {
    let activity = p
        .current_activity()
        .map(|a| format!("{} ({:?})", a.code, a.code.group()))
        .unwrap_or_else(|| "none".into());
    format!(
        "aged {}, recorded activity {activity}",
        p.age_on(loaded.today).unwrap_or(0)
    )
}

/// Plays every scenario; returns how many requests were made.
pub async fn play(
    addr: SocketAddr,
    pki: &DevPki,
    loaded: &Loaded,
    keys_dir: &Path,
) -> anyhow::Result<usize> {
    let public = std::fs::read_to_string(keys_dir.join(gateway_disclosure::keys::PUBLIC_KEY_FILE))?;
    let verifier = TreeHeadVerifier::from_public_key_pem(&public)
        .map_err(|e| anyhow::anyhow!("log public key: {e}"))?;
    let partners = [
        "kent-yot",
        "jcp-maidstone",
        "kent-leaving-care",
        "kent-ccis",
    ]
    .iter()
    .map(|id| DemoPartner::load(pki, id))
    .collect::<anyhow::Result<Vec<_>>>()?;
    let mut p = Player {
        addr,
        verifier,
        played: 0,
        step: 0,
        partners,
        _pki: pki,
    };
    let cast = cast(loaded)?;
    let eet = "/v1/exchanges/eet-status";

    p.heading(&format!(
        "Kent YOT asks: is young person A in education, employment or training? (by UPN; A is {})",
        describe(cast.in_eet, loaded)
    ));
    let v = p
        .call(
            "kent-yot",
            YOT_OFFICER,
            Method::POST,
            eet,
            Some(&by_upn(cast.in_eet)),
            200,
        )
        .await?;
    p.show_answer("YOT", &v)?;
    if v["disclosure"]["answer"].get("send").is_some() {
        bail!("SEND was released without consent");
    }

    p.heading(
        "An adviser records young person B's objection (ESA 2008 s.14(4)); the YOT asks about B",
    );
    let b = cast.objecting.ccis_id.as_str().to_owned();
    p.call(
        "kent-ccis",
        ADVISER,
        Method::POST,
        &format!("/v1/subjects/{b}/objections"),
        Some(&json!({ "raised_by": "young_person" })),
        201,
    )
    .await?;
    let v = p
        .call(
            "kent-yot",
            YOT_OFFICER,
            Method::POST,
            eet,
            Some(&by_upn(cast.objecting)),
            200,
        )
        .await?;
    p.show_answer("YOT", &v)?;
    if v["disclosure"]["answer"]
        .as_object()
        .is_some_and(|a| !a.is_empty())
    {
        bail!("an objection in force still released data beyond identity");
    }
    println!("   refused: with the objection in force nothing beyond identity may be passed on");

    p.heading("The YOT asks about someone by name and date of birth whom nobody matches uniquely");
    let body = json!({ "subject": { "demographics": {
        "given_name": "Zebedee", "family_name": "Quillfeather",
        "date_of_birth": "2009-05-17", "postcode": "ME14 1XQ" } } });
    let v = p
        .call("kent-yot", YOT_OFFICER, Method::POST, eet, Some(&body), 404)
        .await?;
    println!(
        "   YOT receives {} {}: nothing disclosed",
        v["status"], v["code"]
    );

    p.heading(&format!(
        "Jobcentre Plus confirms that claimant C (by NI number; {}) has registered",
        describe(cast.claimant, loaded)
    ));
    let body = json!({ "subject": { "identifier": { "nino": cast.claimant.nino.as_ref().map(|n| n.as_str()) } } });
    let v = p
        .call(
            "jcp-maidstone",
            WORK_COACH,
            Method::POST,
            "/v1/exchanges/benefit-registration",
            Some(&body),
            200,
        )
        .await?;
    p.show_answer("JCP", &v)?;

    p.heading(&format!(
        "The leaving-care team asks what care leaver D is doing ({})",
        describe(cast.care_leaver, loaded)
    ));
    let body =
        json!({ "subject": { "identifier": { "ccis_id": cast.care_leaver.ccis_id.as_str() } } });
    let v = p
        .call(
            "kent-leaving-care",
            PERSONAL_ADVISER,
            Method::POST,
            "/v1/exchanges/care-leaver-status",
            Some(&body),
            200,
        )
        .await?;
    p.show_answer("Leaving care", &v)?;

    p.heading(&format!(
        "The YOT asks about E, whose activity was last confirmed too long ago ({})",
        describe(cast.lapsed, loaded)
    ));
    let v = p
        .call(
            "kent-yot",
            YOT_OFFICER,
            Method::POST,
            eet,
            Some(&by_upn(cast.lapsed)),
            200,
        )
        .await?;
    p.show_answer("YOT", &v)?;
    let answer = &v["disclosure"]["answer"];
    if answer["currency"] != "lapsed" || !answer["activity_code"].is_null() {
        bail!("a lapsed activity was reported as current");
    }
    println!(
        "   current situation not known (lapsed); last verified {}",
        answer["date_verified"]
    );

    p.heading("F (who has SEND) consents to the YOT seeing the SEND flag; the YOT asks");
    let f = cast.with_send.ccis_id.as_str().to_owned();
    let consent = p
        .call(
            "kent-ccis",
            ADVISER,
            Method::POST,
            &format!("/v1/subjects/{f}/consents"),
            Some(&json!({
                "given_by": "young_person", "method": "written",
                "purposes": ["case_management"],
                "recipient": { "agency_kind": "youth_offending_team" },
                "categories": ["send"],
            })),
            201,
        )
        .await?;
    let receipt: gateway_disclosure::SignedDocument =
        serde_json::from_value(consent["receipt"].clone()).context("consent receipt")?;
    if !gateway_disclosure::verify_document(&receipt, &p.verifier.public_key_bytes()) {
        bail!("the consent receipt's signature does not verify");
    }
    println!("   consent receipt signed by the gateway's log key (signature checked)");
    let v = p
        .call(
            "kent-yot",
            YOT_OFFICER,
            Method::POST,
            eet,
            Some(&by_upn(cast.with_send)),
            200,
        )
        .await?;
    p.show_answer("YOT", &v)?;
    if v["disclosure"]["answer"].get("send").is_none() {
        bail!("SEND was withheld despite consent");
    }
    let consent_id = consent["consent"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    p.heading("F withdraws that consent; the YOT asks again");
    p.call(
        "kent-ccis",
        ADVISER,
        Method::POST,
        &format!("/v1/consents/{consent_id}/withdraw"),
        None,
        200,
    )
    .await?;
    let v = p
        .call(
            "kent-yot",
            YOT_OFFICER,
            Method::POST,
            eet,
            Some(&by_upn(cast.with_send)),
            200,
        )
        .await?;
    p.show_answer("YOT", &v)?;
    if v["disclosure"]["answer"].get("send").is_some() {
        bail!("SEND was still released after the consent was withdrawn");
    }

    p.heading("A YOT manager invokes break-glass (Children Act 1989 s.47) for B, who objected");
    let mut body = by_upn(cast.objecting);
    body["break_glass"] = json!({
        "justification": "Section 47 enquiry opened today: risk of serious harm, need current placement",
        "statutory_basis": "children_act_1989_s47",
    });
    let v = p
        .call("kent-yot", YOT_MANAGER, Method::POST, eet, Some(&body), 200)
        .await?;
    p.show_answer("YOT", &v)?;
    if v["disclosure"]["break_glass"] != true {
        bail!("the break-glass answer is not marked as such");
    }
    let alerts = p
        .call(
            "kent-ccis",
            DPO,
            Method::GET,
            "/v1/alerts?status=open",
            None,
            200,
        )
        .await?;
    let open = alerts.as_array().map_or(0, Vec::len);
    if open != 1 {
        bail!("expected one open break-glass alert, found {open}");
    }
    println!(
        "   the data protection officer sees {open} open alert (partner {}, officer {}, window until {})",
        alerts[0]["partner"], alerts[0]["officer"], alerts[0]["window_ends_at"]
    );
    let alert_id = alerts[0]["id"].as_str().unwrap_or_default().to_owned();
    p.call(
        "kent-ccis",
        DPO,
        Method::POST,
        &format!("/v1/alerts/{alert_id}/review"),
        Some(&json!({ "note": "Justified: s.47 enquiry confirmed with the social work manager" })),
        200,
    )
    .await?;
    println!("   ... and marks it reviewed");

    p.heading("The data protection officer asks: who has seen B's record?");
    let entries = p
        .call(
            "kent-ccis",
            DPO,
            Method::GET,
            &format!("/v1/subjects/{b}/disclosures"),
            None,
            200,
        )
        .await?;
    for e in entries.as_array().into_iter().flatten() {
        let entry = &e["entry"];
        println!(
            "   #{:<3} {} {:<20} {:<16} {:<14} released: {}",
            e["log_index"],
            entry["time"].as_str().unwrap_or_default(),
            entry["partner"].as_str().unwrap_or_default(),
            entry["event"].as_str().unwrap_or_default(),
            entry["outcome"].as_str().unwrap_or_default(),
            list(&entry["released"]),
        );
    }
    println!();
    Ok(p.played)
}
