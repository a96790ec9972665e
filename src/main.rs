//! The `orgraph` binary: parse the command line and hand over to the library.

/// A faster allocator than the system's for this allocation-heavy workload.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = orgraph::cli::parse();
    match orgraph::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // The reader of the output has all it wanted (`| head`).
        Err(error) if orgraph::cli::is_broken_pipe(&error) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
