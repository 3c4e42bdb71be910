use anyhow::Context;
use gateway_pki::dev::DevPki;

use crate::cli::CertsCommand;

pub fn run(cmd: CertsCommand) -> anyhow::Result<()> {
    match cmd {
        CertsCommand::Init { out } => {
            let pki = DevPki::create(&out).context("cannot create the dev PKI")?;
            println!("dev PKI written to {}", out.display());
            println!("  CA            {}", pki.ca_cert().display());
            println!("  CRL           {}", pki.crl().display());
            println!("  server        {}", pki.server_cert().display());
            for p in &pki.partners {
                println!(
                    "  partner       {:<20} {:<22} {}",
                    p.id,
                    p.agency_kind,
                    pki.partner_dir(&p.id).display()
                );
            }
            println!("private keys (*.key.pem) are readable by you only; never commit them");
            Ok(())
        }
    }
}
