//! TLS to the database through OpenSSL (the `postgres-openssl` crate), with libpq's
//! `sslmode`s: `disable` (none), `prefer` (TLS when the server offers it, the client's
//! default), `require` (TLS or no connection; the server's certificate is not checked),
//! `verify-ca` (its certificate must chain to a trusted root) and `verify-full` (and name the
//! host connected to). The roots are `sslrootcert`'s file, else `~/.postgresql/root.crt`
//! when there is one, else the system's; `sslcert` and `sslkey` give a client certificate.

use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslVerifyMode};
use postgres_openssl::MakeTlsConnector;
use std::path::PathBuf;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, unchecked.
    Prefer,
    /// TLS, unchecked.
    Require,
    /// TLS, the certificate chaining to a trusted root.
    VerifyCa,
    /// TLS, the certificate chaining to a trusted root and naming the host.
    VerifyFull,
}

impl SslMode {
    /// The mode `text` names.
    pub fn parse(text: &str) -> Result<SslMode, String> {
        Ok(match text {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(format!(
                "sslmode `{other}` is not one of disable, prefer, require, verify-ca, verify-full"
            ))
            }
        })
    }
}

/// How a connection uses TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The mode.
    pub mode: SslMode,
    /// `sslrootcert`.
    pub root: Option<PathBuf>,
    /// `sslcert`.
    pub cert: Option<PathBuf>,
    /// `sslkey`.
    pub key: Option<PathBuf>,
}

impl Default for TlsSettings {
    fn default() -> TlsSettings {
        TlsSettings {
            mode: SslMode::Prefer,
            root: None,
            cert: None,
            key: None,
        }
    }
}

impl TlsSettings {
    /// The connector these settings make (`None`: no TLS).
    pub fn connector(&self) -> Result<Option<MakeTlsConnector>, String> {
        if self.mode == SslMode::Disable {
            return Ok(None);
        }
        let tls = |e: openssl::error::ErrorStack| format!("cannot set up TLS: {e}");
        let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(tls)?;
        let verify = matches!(self.mode, SslMode::VerifyCa | SslMode::VerifyFull);
        if verify {
            let home_root = std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".postgresql").join("root.crt"))
                .filter(|p| p.is_file());
            match self.root.as_ref().or(home_root.as_ref()) {
                Some(root) => builder.set_ca_file(root).map_err(|e| {
                    format!("cannot read the root certificate {}: {e}", root.display())
                })?,
                None => builder.set_default_verify_paths().map_err(tls)?,
            }
            builder.set_verify(SslVerifyMode::PEER);
        } else {
            builder.set_verify(SslVerifyMode::NONE);
        }
        if let Some(cert) = &self.cert {
            builder
                .set_certificate_chain_file(cert)
                .map_err(|e| format!("cannot read the certificate {}: {e}", cert.display()))?;
        }
        if let Some(key) = &self.key {
            builder
                .set_private_key_file(key, SslFiletype::PEM)
                .map_err(|e| format!("cannot read the key {}: {e}", key.display()))?;
        }
        let mut connector = MakeTlsConnector::new(builder.build());
        if self.mode != SslMode::VerifyFull {
            connector.set_callback(|config, _| {
                config.set_verify_hostname(false);
                Ok(())
            });
        }
        Ok(Some(connector))
    }
}
