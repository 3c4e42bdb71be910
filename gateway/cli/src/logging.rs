//! Structured logs on stderr: JSON by default, one object per line, with the request id of
//! the enclosing request span. `GATEWAY_LOG` (or `RUST_LOG`) sets the filter.

use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command};

pub fn init(cli: &Cli) {
    let default = match cli.command {
        Command::Serve(_) | Command::Demo(_) => "info",
        _ => "warn",
    };
    let filter = std::env::var("GATEWAY_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    if let Command::Demo(args) = &cli.command {
        // The demo prints its story on stdout; the gateway's own log goes to the demo folder.
        let file = std::fs::create_dir_all(&args.dir)
            .and_then(|()| std::fs::File::create(crate::commands::demo_log_file(args)));
        if let Ok(file) = file {
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::sync::Mutex::new(file))
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .init();
            return;
        }
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if cli.log_format == "json" {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        builder.init();
    }
}
