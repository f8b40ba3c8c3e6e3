//! The `gatehouse` binary: the browser app under feature `web`, the server and its
//! operator commands under feature `server`.

fn main() {
    #[cfg(not(feature = "server"))]
    dioxus::launch(gatehouse::app::App);

    #[cfg(feature = "server")]
    std::process::exit(gatehouse::server::cli::main());
}
