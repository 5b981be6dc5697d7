//! Thin entry point: all behaviour lives in the library so that tests drive the same code.

fn main() -> std::process::ExitCode {
    vpp_conformance::cli::main()
}
