//! `kentongan`: parses the command line and hands it to `cli::run`.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = kentongan::cli::Cli::parse();
    kentongan::cli::init_logging(&cli.command);
    match kentongan::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("kentongan: {}", kentongan::cli::one_line(&err));
            std::process::ExitCode::FAILURE
        }
    }
}
