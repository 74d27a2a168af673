//! preflight never opens a network connection: no crate that can open one is in
//! `Cargo.lock`, and no code of the workspace names the standard library's
//! sockets. The dependency review behind the list is in the README's Development
//! section; a crate added to the lock that is on the list fails this test until
//! it is reviewed.

mod common;

use std::fs;
use std::path::Path;

/// Crates that open network connections (HTTP clients and servers, TLS stacks,
/// async runtimes' socket layers, resolvers, remote-repository clients), each
/// with why it is here.
const NETWORKING_CRATES: &[(&str, &str)] = &[
    ("reqwest", "HTTP client"),
    ("hyper", "HTTP client and server"),
    ("hyper-util", "HTTP client and server"),
    ("hyper-rustls", "HTTPS connector"),
    ("hyper-tls", "HTTPS connector"),
    ("h2", "HTTP/2"),
    ("h3", "HTTP/3"),
    ("quinn", "QUIC"),
    ("ureq", "HTTP client"),
    ("attohttpc", "HTTP client"),
    ("isahc", "HTTP client"),
    ("surf", "HTTP client"),
    ("curl", "libcurl"),
    ("curl-sys", "libcurl"),
    ("native-tls", "TLS"),
    ("openssl", "TLS"),
    ("openssl-sys", "TLS"),
    ("rustls", "TLS"),
    ("tokio-rustls", "TLS"),
    ("tokio-native-tls", "TLS"),
    ("webpki-roots", "TLS roots, only wanted for connections"),
    ("tokio", "async runtime with TCP and UDP sockets (`net`)"),
    ("mio", "socket event loop"),
    ("socket2", "sockets"),
    ("async-std", "async runtime with sockets"),
    ("smol", "async runtime with sockets"),
    ("async-net", "sockets"),
    ("tungstenite", "WebSocket"),
    ("tokio-tungstenite", "WebSocket"),
    ("trust-dns-resolver", "DNS"),
    ("hickory-resolver", "DNS"),
    ("git2", "libgit2, which fetches over the network"),
    ("gix-transport", "git transport"),
    ("ssh2", "SSH"),
    ("oauth2", "token requests"),
    ("azure_core", "Azure SDK"),
    ("azure_identity", "Azure SDK"),
    ("graph-rs-sdk", "Microsoft Graph client"),
];

/// The package names in a `Cargo.lock`.
fn locked_packages(lock: &str) -> Vec<String> {
    lock.lines()
        .filter_map(|line| line.strip_prefix("name = \""))
        .filter_map(|rest| rest.strip_suffix('"'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn no_networking_crate_is_in_the_lock_file() {
    let lock = fs::read_to_string(common::workspace_root().join("Cargo.lock"))
        .unwrap_or_else(|error| panic!("Cargo.lock: {error}"));
    let packages = locked_packages(&lock);
    assert!(
        packages.iter().any(|name| name == "serde_json"),
        "the lock file was not read: {packages:?}"
    );
    let found: Vec<String> = NETWORKING_CRATES
        .iter()
        .filter(|(name, _)| packages.iter().any(|package| package == name))
        .map(|(name, why)| format!("`{name}` ({why})"))
        .collect();
    assert!(
        found.is_empty(),
        "Cargo.lock holds crates that can open network connections: {}; preflight is \
         offline (README, Development): remove the dependency that brings them, or review \
         it and say why in the README",
        found.join(", ")
    );
}

/// Every `.rs` file under `directory`.
fn rust_files(directory: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(directory).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name == "target") {
                continue;
            }
            rust_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn no_workspace_code_names_a_socket() {
    let root = common::workspace_root();
    let mut files = Vec::new();
    for directory in ["crates", "benches", "pre-commit"] {
        rust_files(&root.join(directory), &mut files);
    }
    assert!(files.len() > 20, "the sources were not found: {files:?}");
    // Spelled in pieces so that this file does not name them itself.
    let sockets = [
        ["std", "::net"].concat(),
        ["Tcp", "Stream"].concat(),
        ["Tcp", "Listener"].concat(),
        ["Udp", "Socket"].concat(),
    ];
    let mut found = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap_or_default();
        for socket in &sockets {
            if text.contains(socket.as_str()) {
                found.push(format!("{} names `{socket}`", file.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_list_is_matched_against_real_lock_entries() {
    // A lock file that holds a networking crate is caught.
    let lock = "[[package]]\nname = \"reqwest\"\nversion = \"0.12.0\"\n";
    let packages = locked_packages(lock);
    assert_eq!(packages, vec!["reqwest".to_owned()]);
    assert!(
        NETWORKING_CRATES
            .iter()
            .any(|(name, _)| packages.iter().any(|package| package == name))
    );
}
