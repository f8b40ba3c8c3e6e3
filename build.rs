//! One name for the public pages' browser build (docs/DESIGN.md §8 "Page
//! weight"): `cfg(public_build)` is set when feature `public-pages` is on and
//! `server` is off. `dx build --features public-pages` also builds a server
//! binary (which scripts/bundle.sh discards); that server keeps every page and
//! server function, so the rule is spelt here once, not at each use.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(public_build)");
    let on = |feature: &str| std::env::var_os(format!("CARGO_FEATURE_{feature}")).is_some();
    if on("PUBLIC_PAGES") && !on("SERVER") {
        println!("cargo::rustc-cfg=public_build");
    }
}
